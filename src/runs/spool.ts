/**
 * A run's outcome must not be lost because the state DB could not take it at once (another
 * process holding a write lock past the busy timeout, a full disk). The runner writes the
 * outcome to a small file next to the log before it tries the DB, keeps trying for a bounded
 * time, and if it still cannot, leaves the file: the next command that opens the store
 * (`reconcile`) delivers it. A run is `lost` only when no spool exists and its runner is gone.
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { isTerminal, RUN_STATUSES } from "../core/statuses.ts";
import type { HookRecord, RunFinish, RunRow } from "../core/store.ts";
import type { Store } from "../core/store.ts";

export interface Spooled {
  run_id: string;
  finish: RunFinish;
  /** Hook results, when they could not be recorded either. */
  hooks?: HookRecord[];
}

/** `<logs_dir>/<run_id>.outcome.json` for `<logs_dir>/<run_id>.log`. */
export function spoolPath(logPath: string): string {
  return logPath.replace(/\.log$/, "") + ".outcome.json";
}

/**
 * How long a runner keeps trying to record its outcome: 60 s (each try may wait the whole busy
 * timeout), or `DOCKET_RECORD_RETRY_MS` (tests lower it to reach the spool quickly).
 */
export function recordRetryMs(): number {
  const raw = Deno.env.get("DOCKET_RECORD_RETRY_MS")?.trim();
  const v = raw ? Number(raw) : NaN;
  return Number.isInteger(v) && v >= 0 ? v : 60_000;
}

/** Writes the spool; returns the error text instead of throwing (a full disk, say). */
export function writeSpool(path: string, s: Spooled): string | undefined {
  try {
    writeFileAtomic(path, JSON.stringify(s), 0o600);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

export function removeSpool(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // never written, or already delivered
  }
}

/** The spool at `path` for `runId`, if it is one (the file is checked, not trusted). */
export function readSpool(path: string, runId: string): Spooled | undefined {
  let s: Spooled;
  try {
    const st = Deno.lstatSync(path);
    if (!st.isFile || st.size > 16 << 20) return undefined;
    s = JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return undefined;
  }
  const f = s?.finish;
  const ok = s?.run_id === runId && f && typeof f === "object" &&
    (RUN_STATUSES as readonly string[]).includes(f.status) && isTerminal(f.status) &&
    typeof f.exit_code === "number" && typeof f.summary === "string" &&
    typeof f.details === "object" && f.details !== null && typeof f.finished_at === "string" &&
    typeof f.duration_ms === "number" && typeof f.attempts === "number" &&
    (s.hooks === undefined || Array.isArray(s.hooks));
  return ok ? s : undefined;
}

/**
 * Records a run's end: spool first, then the DB, retried until `recordRetryMs` has passed.
 * Returns whether the DB has it; false means the spool holds it (to be delivered later).
 * Throws only when neither could be written.
 */
export async function recordOutcome(
  store: Store,
  runId: string,
  finish: RunFinish,
  spool: string,
): Promise<boolean> {
  const spoolError = writeSpool(spool, { run_id: runId, finish });
  const deadline = Date.now() + recordRetryMs();
  for (let delay = 100;; delay = Math.min(2000, delay * 2)) {
    try {
      store.finishRun(runId, finish);
      removeSpool(spool);
      return true;
    } catch (err) {
      if (Date.now() >= deadline) {
        if (spoolError !== undefined) throw err;
        return false;
      }
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/**
 * Records the outcomes runners had to leave in spools (of the `active` runs). Returns the runs
 * that had one: recorded now, or not yet (still locked, still full: it stays for the next
 * command). None of them is lost.
 */
export function deliverSpools(store: Store, active: RunRow[]): Set<string> {
  const spooled = new Set<string>();
  for (const r of active) {
    if (!r.log_path) continue;
    const path = spoolPath(r.log_path);
    const s = readSpool(path, r.run_id);
    if (!s) continue;
    try {
      store.finishRun(r.run_id, s.finish);
      if (s.hooks) store.setHooks(r.run_id, s.hooks);
    } catch {
      spooled.add(r.run_id); // still locked or full: the next command tries again
      continue;
    }
    removeSpool(path);
    spooled.add(r.run_id);
  }
  return spooled;
}
