/**
 * `docket cancel <run_id>`: SIGTERM to the run's runner, which stops the task's whole process
 * group (SIGTERM, then SIGKILL after kill_grace_seconds) and records `cancelled`. A runner
 * that does not finish in time is killed with its task group, and the run recorded here.
 */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { nowIso } from "../core/ids.ts";
import {
  isAlive,
  killGroup,
  killTaskLeftovers,
  signalGroup,
  taskGroupMembers,
} from "../core/proc.ts";
import { exitCodeForStatus, isTerminal } from "../core/statuses.ts";
import { DocketError } from "../core/errors.ts";
import { openReconciled, runJson } from "./common.ts";
import { requireRunId } from "./status.ts";
import { getRunOrThrow, waitForRun } from "../runs/watch.ts";
import { parseSeconds } from "./wait.ts";
import { removeScratch } from "../runs/scratch.ts";
import { foreignRun } from "../runs/liveness.ts";
import { render as renderRun } from "./run.ts";
import { writeCancelGrace } from "../runs/cancel_grace.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const runId = requireRunId(input.args[0]!);
  const grace = parseSeconds(input.opts.grace, "--grace");
  const cfg = await input.config();
  const store = openReconciled(cfg);
  try {
    let r = getRunOrThrow(store, runId);
    if (isTerminal(r.status)) {
      return {
        exitCode: 0,
        data: {
          ...runJson(r),
          ok: true,
          cancelled: false,
          note: `Run already finished (${r.status})`,
        },
      };
    }
    if (foreignRun(r)) {
      // Its pids name other processes here: signalling them could kill anything.
      const host = r.host_alive === undefined ? undefined : r.host_id;
      throw new DocketError(
        "not_supported",
        `Cannot cancel run "${runId}" from here: it runs ${
          host ? `on host ${host}` : "in another PID namespace"
        }`,
        {
          hint: host
            ? `Cancel it on ${host} (docket cancel ${runId})`
            : "Cancel it where it was started (the container sharing this home)",
          details: { run_id: runId, runner_ns: r.runner_ns, ...(host ? { host } : {}) },
        },
      );
    }
    const section = cfg.tasks[r.task_name] ?? {};
    const graceMs = (grace ?? Number(section.kill_grace_seconds ?? 5)) * 1000;
    // Recorded first: a runner that dies of the signal before it can record anything (it
    // was still starting) is then `cancelled`, not `lost`.
    store.requestCancel(runId, nowIso());
    // The runner reads this when the SIGTERM arrives: the group gets `--grace`, not the default.
    if (grace !== undefined) writeCancelGrace(cfg.logs_dir, runId, graceMs);
    const runnerAlive = isAlive(r.runner_pid, r.runner_start);
    if (runnerAlive) {
      try {
        Deno.kill(r.runner_pid!, "SIGTERM");
      } catch {
        // gone meanwhile
      }
    }
    // The runner stops the task group itself (TERM, then KILL after the grace period) and
    // records `cancelled`; only if it is dead or hangs do we kill everything from here.
    if (runnerAlive) {
      try {
        r = await waitForRun(store, runId, { timeoutMs: graceMs + 5000 });
      } catch (e) {
        if (!(e instanceof DocketError) || e.kind !== "wait_timeout") throw e;
      }
    }
    r = getRunOrThrow(store, runId);
    if (!isTerminal(r.status)) {
      if (r.runner_pid && isAlive(r.runner_pid, r.runner_start)) {
        if (r.async) signalGroup(r.runner_pid, "SIGKILL");
        else Deno.kill(r.runner_pid, "SIGKILL");
      }
      if (r.task_pid && taskGroupMembers(r.task_pid, r.task_start, r.run_id).length) {
        // The leader is still our task: the normal TERM → grace → KILL of its group.
        if (isAlive(r.task_pid, r.task_start)) await killGroup(r.task_pid, graceMs);
        else killTaskLeftovers(r.task_pid, r.task_start, r.run_id);
      }
    }
    r = getRunOrThrow(store, runId);
    if (!isTerminal(r.status)) {
      store.finishRun(runId, {
        status: "cancelled",
        exit_code: 1,
        summary: "Run was cancelled (its runner did not stop in time and was killed)",
        details: {},
        error: { kind: "cancelled", message: "Run was cancelled" },
        finished_at: nowIso(),
        duration_ms: Date.now() - Date.parse(r.started_at),
        attempts: r.attempts,
      });
      removeScratch(runId); // its runner was killed before it could remove it
      r = getRunOrThrow(store, runId);
    }
    return {
      exitCode: r.status === "cancelled" ? 0 : exitCodeForStatus(r.status),
      // `ok` here says whether the run is stopped as asked (or had ended well on its own).
      data: {
        ...runJson(r),
        ok: r.status === "cancelled" || exitCodeForStatus(r.status) === 0,
        cancelled: r.status === "cancelled",
      },
    };
  } finally {
    store.close();
  }
}

export function render(data: unknown, ui: Ui): string {
  const d = data as { note?: string };
  return d.note ? d.note : renderRun(data, ui);
}
