/**
 * The dashboard's reads, each one bounded index walk (no OFFSET, no full scan), so a page
 * costs the same with 1,000,000 runs as with 100: the last `n` runs of a task through
 * `runs_by_task`, its last success through `runs_last_success`, a page of its run list by
 * keyset (`run_id < before`).
 */
import type { DatabaseSync } from "node:sqlite";
import type { Store } from "../core/store.ts";
import { requireSqliteDb } from "../store/sqlite_access.ts";

/** The dashboard's bounded index walks are SQL over SQLite's own indexes. */
export function sqliteDb(store: Store): DatabaseSync {
  return requireSqliteDb(store, "docket ui");
}

export interface Sample {
  run_id: string;
  status: string;
  started_at: string;
  duration_ms: number | null;
}

export interface ListedRun extends Sample {
  summary: string;
  dry_run: boolean;
}

/** How many recent runs the rates, percentiles and charts are computed over. */
export const WINDOW = 200;

/** The task's last `n` real (not dry) runs, newest first. */
export function recentRuns(db: DatabaseSync, task: string, n = WINDOW): Sample[] {
  return db.prepare(
    `SELECT run_id, status, started_at, duration_ms FROM runs
     WHERE task_name = ? AND dry_run = 0 ORDER BY run_id DESC LIMIT ?`,
  ).all(task, n) as unknown as Sample[];
}

export function lastSuccess(
  db: DatabaseSync,
  task: string,
): { run_id: string; finished_at: string | null } | null {
  const r = db.prepare(
    `SELECT run_id, finished_at FROM runs INDEXED BY runs_last_success
     WHERE task_name = ? AND status = 'succeeded' AND dry_run = 0
     ORDER BY run_id DESC LIMIT 1`,
  ).get(task) as { run_id: string; finished_at: string | null } | undefined;
  return r ?? null;
}

/** One page of a task's runs (dry runs included), newest first, strictly before `before`. */
export function runPage(
  db: DatabaseSync,
  task: string,
  before: string | null,
  limit: number,
): { runs: ListedRun[]; next: string | null } {
  const rows = db.prepare(
    `SELECT run_id, status, started_at, duration_ms, CAST(summary AS BLOB) AS summary,
            dry_run FROM runs
     WHERE task_name = ? AND run_id < ? ORDER BY run_id DESC LIMIT ?`,
  ).all(task, before ?? "\u{10ffff}", limit + 1) as Record<string, unknown>[];
  const dec = new TextDecoder();
  const runs = rows.slice(0, limit).map((r) => ({
    run_id: String(r.run_id),
    status: String(r.status),
    started_at: String(r.started_at),
    duration_ms: r.duration_ms as number | null,
    summary: r.summary instanceof Uint8Array ? dec.decode(r.summary) : String(r.summary ?? ""),
    dry_run: r.dry_run === 1,
  }));
  return { runs, next: rows.length > limit ? runs[runs.length - 1]!.run_id : null };
}

/** Task names that have history (a task removed from the config still shows its runs). */
export function historyTasks(db: DatabaseSync): string[] {
  return (db.prepare("SELECT task_name FROM task_state").all() as { task_name: string }[])
    .map((r) => r.task_name);
}
