/**
 * `docket scheduler`: one foreground process that starts every scheduled task at its slots
 * through the same path as `docket run --async` (prepare: validation, lock, overlap policy,
 * ledger; then a detached runner in the sandbox). A slot starts once: its ledger row is
 * claimed first (primary key), so two schedulers on one home start each slot once.
 *
 * Each tick looks at the slots due since the last tick (after a restart: since the last
 * slot this home recorded, within catch_up_window and not before the scheduler first ran):
 * a slot whose deadline has not passed starts; older ones follow `catch_up` (none: left to
 * show as `missed`; latest: the newest one starts; all: each starts, oldest first).
 *
 * SIGTERM/SIGINT: no new slot starts; runs already handed to their runner go on (they are
 * detached, like `run --async`); a start still waiting under `overlap: queue` is abandoned
 * (its slot shows `missed` once its deadline passes).
 *
 * @module
 */
import { requireSqliteDb } from "../store/sqlite_access.ts";
import type { DocketConfig } from "../config/types.ts";
import { loadConfig } from "../config/load.ts";
import { findTask, type TaskInfo } from "../registry/registry.ts";
import { configSha256 } from "../runs/admission.ts";
import { startAsync } from "../runs/async.ts";
import { openStore } from "../store/open.ts";
import { reconcile } from "../runs/reconcile.ts";
import type { SqliteStore } from "../store/sqlite_store.ts";
import { claimSlot, setOrigin } from "../store/occurrences.ts";
import { toDocketError } from "../core/errors.ts";
import { esc } from "../render/escape.ts";
import { deadlineOf, firesBetween, nextFire, policyOf, type SchedulePolicy } from "./next.ts";

interface Entry {
  task: TaskInfo;
  policy: SchedulePolicy;
  /** Slots up to this instant have been looked at. */
  checked: number;
}

export interface SchedulerStats {
  started: number;
  skipped_or_refused: number;
  claimed_elsewhere: number;
  tasks: string[];
}

const MAX_SLEEP_MS = 30_000;
const MAX_CATCH_UP = 100;

export async function runScheduler(o: {
  signal: AbortSignal;
  log: (line: string) => void;
}): Promise<SchedulerStats> {
  let hash = await configSha256();
  let cfg = await loadConfig();
  const opened = openStore(cfg);
  // Slots are claimed in the occurrence ledger, which is SQLite's (no PostgreSQL counterpart yet).
  requireSqliteDb(opened, "docket scheduler");
  const store = opened as SqliteStore;
  reconcile(store);
  const stats: SchedulerStats = {
    started: 0,
    skipped_or_refused: 0,
    claimed_elsewhere: 0,
    tasks: [],
  };
  const inflight = new Set<Promise<void>>();
  try {
    let entries = await plan(cfg, store, new Map());
    stats.tasks = [...entries.keys()];
    o.log(
      `scheduler started: ${stats.tasks.length} scheduled task(s): ${
        stats.tasks.map(esc).join(", ") || "none"
      }`,
    );
    while (!o.signal.aborted) {
      const now = Date.now();
      if ((await configSha256()) !== hash) {
        try {
          const fresh = await loadConfig();
          hash = await configSha256();
          cfg = fresh;
          entries = await plan(cfg, store, entries);
          o.log(`config changed: ${entries.size} scheduled task(s)`);
        } catch (err) {
          hash = await configSha256(); // said once; starts go on with the last good config
          o.log(
            `config changed but does not load (${
              toDocketError(err).message
            }): keeping the last good one`,
          );
        }
      }
      for (const e of entries.values()) {
        const due = firesBetween(e.policy, new Date(e.checked), new Date(now), MAX_CATCH_UP);
        e.checked = now;
        const starts = pick(e.policy, due, now);
        if (!starts.length) continue;
        const job = startInOrder(cfg, store, e.task, starts, hash, stats, o.log);
        inflight.add(job);
        job.finally(() => inflight.delete(job));
      }
      let wake = now + MAX_SLEEP_MS;
      for (const e of entries.values()) {
        const n = nextFire(e.policy, new Date(now));
        if (n) wake = Math.min(wake, n.getTime());
      }
      await sleepUntil(wake, o.signal);
    }
    o.log("stopping: no new starts; started runs go on");
    // Starts being prepared finish (a queued wait is abandoned after 3 s).
    await Promise.race([
      Promise.allSettled([...inflight]),
      new Promise((r) => setTimeout(r, 3000)),
    ]);
    return stats;
  } finally {
    store.close();
  }
}

/**
 * The slots of one tick to start, per catch_up (`due` is oldest first): those still within
 * their deadline, plus the overdue ones `catch_up` asks for (latest: the newest; all: each).
 */
export function pick(p: SchedulePolicy, due: Date[], now: number): Date[] {
  const onTime = due.filter((d) => now <= deadlineOf(p, d));
  const overdue = due.filter((d) => now > deadlineOf(p, d));
  if (p.catchUp === "all") return due;
  if (p.catchUp === "latest" && overdue.length) return [overdue.at(-1)!, ...onTime];
  return onTime;
}

/** The scheduled tasks and where each resumes (`checked`). */
async function plan(
  cfg: DocketConfig,
  store: SqliteStore,
  prev: Map<string, Entry>,
): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const now = Date.now();
  for (const [name, section] of Object.entries(cfg.tasks)) {
    const policy = policyOf(name, section);
    if (!policy) continue;
    const task = await findTask(cfg, name);
    const old = prev.get(name);
    if (old) {
      out.set(name, { task, policy, checked: old.checked });
      continue;
    }
    setOrigin(store.db, name, "scheduler", new Date(now).toISOString());
    out.set(name, { task, policy, checked: resumeFrom(store, name, policy, now) });
  }
  return out;
}

/** After a restart: from the newest recorded slot (within catch_up_window, after the origin). */
function resumeFrom(store: SqliteStore, task: string, p: SchedulePolicy, now: number): number {
  const row = store.db.prepare(
    "SELECT MAX(slot) AS slot FROM occurrences WHERE task_name = ?",
  ).get(task) as { slot: string | null };
  const origin = store.db.prepare(
    "SELECT since FROM occurrence_origin WHERE task_name = ? AND engine = 'scheduler'",
  ).get(task) as { since: string } | undefined;
  const floor = Math.max(now - p.catchUpWindow * 1000, origin ? Date.parse(origin.since) - 1 : now);
  return Math.max(floor, row?.slot ? Date.parse(row.slot) : floor);
}

async function startInOrder(
  cfg: DocketConfig,
  store: SqliteStore,
  task: TaskInfo,
  slots: Date[],
  hash: string | null,
  stats: SchedulerStats,
  log: (line: string) => void,
): Promise<void> {
  for (const d of slots) {
    const at = d.toISOString();
    if (!claimSlot(store.db, task.name, at, "scheduler")) {
      stats.claimed_elsewhere++;
      log(`${esc(task.name)} ${at}: already claimed by another start`);
      continue;
    }
    try {
      const r = await startAsync({
        cfg,
        task,
        dryRun: false,
        force: false,
        overrides: {},
        configSha256: hash,
        slot: { at, engine: "scheduler", claimed: true },
        store,
      });
      stats.started++;
      log(`${esc(task.name)} ${at}: started run ${r.run_id}`);
    } catch (err) {
      stats.skipped_or_refused++;
      const e = toDocketError(err);
      log(`${esc(task.name)} ${at}: not started: ${e.kind}: ${esc(e.message)}`);
    }
  }
}

function sleepUntil(t: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const ms = Math.max(0, Math.min(MAX_SLEEP_MS, t - Date.now()));
    const id = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(id);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
