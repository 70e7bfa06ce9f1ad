/**
 * Lost-run detection: a run marked running whose runner process is gone (kill -9, OOM,
 * reboot) is marked `lost` on the next read. Identity is pid + start time, so a reused pid
 * does not keep a dead run alive. Orphaned task process groups are killed, scratch dirs removed.
 */
import { nowIso } from "../core/ids.ts";
import { killTaskLeftovers } from "../core/proc.ts";
import type { RunFinish, RunRow } from "../core/store.ts";
import { foreignRun, runnerAlive } from "./liveness.ts";
import type { Store } from "../core/store.ts";
import { deliverSpools, spoolPath } from "./spool.ts";
import { removeScratch } from "./scratch.ts";

/**
 * What a run whose runner is gone becomes (`lost`, or `cancelled` if a cancel was asked for),
 * or null while its runner lives (or a launcher may still hand it over). One verdict for the
 * cleanup that records it and for read-only views that only show it.
 */
function existsFile(p: string): boolean {
  try {
    return Deno.lstatSync(p).isFile;
  } catch {
    return false;
  }
}

export function lostFinish(r: RunRow): RunFinish | null {
  if (r.status !== "running" && r.status !== "queued") return null;
  if (runnerAlive(r)) return null;
  // An outcome waiting in its spool is the run's result, not a loss (delivered by cleanup).
  if (r.log_path && existsFile(spoolPath(r.log_path))) return null;
  if (r.runner_pid === null && Date.now() - Date.parse(r.started_at) < 60_000) return null;
  const cancelled = r.cancel_requested_at !== null;
  return {
    ...(cancelled
      ? {
        status: "cancelled" as const,
        exit_code: 1,
        summary: "Run was cancelled (its runner ended before it could record the result)",
        details: { runner_pid: r.runner_pid, cancel_requested_at: r.cancel_requested_at },
        error: { kind: "cancelled" as const, message: "Run was cancelled" },
      }
      : {
        status: "lost" as const,
        exit_code: 1,
        summary: "The process running this task died before recording a result",
        details: { runner_pid: r.runner_pid },
        error: {
          kind: "lost" as const,
          message: `Runner process ${r.runner_pid ?? "(none)"} is gone and left no result`,
          hint: "It was killed (kill -9, OOM, reboot); check the log, then run the task again",
        },
      }),
    finished_at: nowIso(),
    duration_ms: Date.now() - Date.parse(r.started_at),
    attempts: r.attempts,
  };
}

/** A run as cleanup would record it, changing nothing (for tools that promise to be read-only). */
export function presentRun(r: RunRow): RunRow {
  const f = lostFinish(r);
  return f ? { ...r, ...f } : r;
}

export function reconcile(store: Store): number {
  // A runner that could not record its outcome in time left it in a spool: that is its result.
  const active = store.activeRuns();
  const spooled = deliverSpools(store, active);
  let n = 0;
  for (const r of active) {
    if (spooled.has(r.run_id)) continue;
    const f = lostFinish(r);
    if (!f) continue;
    // Conditional on the runner read above: a launcher may have handed the run to its
    // runner since (measured: 3 of 50 concurrent async runs were wrongly marked lost).
    const marked = store.finishRun(r.run_id, f, {
      runner_pid: r.runner_pid,
      runner_start: r.runner_start,
    });
    if (!marked) continue;
    // Pids of another namespace name other processes here, and its /tmp may be another.
    if (foreignRun(r)) continue;
    if (r.task_pid) killTaskLeftovers(r.task_pid, r.task_start, r.run_id);
    removeScratch(r.run_id);
    n++;
  }
  return n;
}
