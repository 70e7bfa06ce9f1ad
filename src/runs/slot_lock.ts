/**
 * The task's lock for a new run, and what a scheduled start does when it is held: its
 * `overlap` policy (README "Scheduling"). A start without a slot (a manual run) keeps the
 * plain rule: lock held → lock_held.
 *
 * @module
 */
import { requireSqliteDb } from "../store/sqlite_access.ts";
import type { Store } from "../core/store.ts";
import { fromFileUrl } from "../core/path.ts";
import { DocketError } from "../core/errors.ts";
import { nowIso } from "../core/ids.ts";
import type { LockHolder } from "../core/store.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { holderAlive } from "./liveness.ts";
import { sleep } from "./watch.ts";
import { policyOf } from "../schedule/next.ts";
import { claimQueue, releaseQueue } from "../schedule/record.ts";

const MAIN = fromFileUrl(new URL("../../main.ts", import.meta.url));
const POLL_MS = 150;

interface LockInput {
  task: TaskInfo;
  store: Store;
  runId: string;
  slot?: { at: string };
}

/** Takes the task's lock for `o.runId`, applying the slot's overlap policy; throws lock_held. */
export async function acquireTaskLock(o: LockInput, me: { pid: number; start: string }) {
  const attempt = () =>
    o.store.acquire({
      task_name: o.task.name,
      run_id: o.runId,
      pid: me.pid,
      pid_start: me.start,
      acquired_at: nowIso(),
    }, (h) => holderAlive((id) => o.store.getRun(id), h));
  const overlap = o.slot ? policyOf(o.task.name, o.task.config)?.overlap ?? "skip" : "skip";
  // `overlap: allow`: scheduled starts run side by side, like `run --force`.
  if (overlap === "allow") return;
  let got = attempt();
  if (got.ok) return;
  if (o.slot && overlap === "replace") {
    await cancelRun(got.holder.run_id);
    const grace = Number(o.task.config.kill_grace_seconds ?? 5);
    const until = Date.now() + (grace + 30) * 1000;
    while (!(got = attempt()).ok && Date.now() < until) await sleep(POLL_MS);
    if (got.ok) return;
  } else if (o.slot && overlap === "queue") {
    // At most one waiting start per task: the queue is one ledger row in state `queued`.
    const ahead = claimQueue(
      requireSqliteDb(o.store, "overlap: queue"),
      o.task.name,
      o.slot.at,
      got.holder.run_id,
    );
    if (ahead !== undefined) {
      throw held(o.task, got.holder, `a start is already queued (slot ${ahead})`);
    }
    try {
      while (!(got = attempt()).ok) await sleep(POLL_MS);
      return;
    } finally {
      releaseQueue(requireSqliteDb(o.store, "overlap: queue"), o.task.name, o.slot.at);
    }
  }
  throw held(o.task, got.holder);
}

function held(task: TaskInfo, h: LockHolder, why?: string): DocketError {
  return new DocketError(
    "lock_held",
    `Cannot run task "${task.name}": ${
      why ??
        `run ${h.run_id} (pid ${h.pid}${h.host_id ? ` on host ${h.host_id}` : ""}) is still running`
    }`,
    {
      hint: `Wait for it (docket wait ${h.run_id}), cancel it, or pass --force`,
      details: {
        task: task.name,
        holder_run_id: h.run_id,
        holder_pid: h.pid,
        ...(h.host_id ? { holder_host: h.host_id } : {}),
      },
    },
  );
}

/** `overlap: replace`: the running one is cancelled the way `docket cancel` does it. */
async function cancelRun(runId: string): Promise<void> {
  await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", MAIN, "--json", "cancel", runId],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).output();
}
