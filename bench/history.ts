/**
 * Fills a docket state database with a synthetic run history, fast: one transaction, one
 * INSERT … SELECT over a recursive CTE (no per-row round trip through JS; node:sqlite's
 * per-row binding made a JS loop ~2x slower), rows in run_id order so every B-tree append
 * lands on the right edge. Times are formatted with printf from a small table of days
 * (strftime per row doubled the cost). The schema must already exist: open the home once
 * through docket first.
 */
import { DatabaseSync } from "node:sqlite";

export interface HistoryOptions {
  /** How many runs to insert. */
  runs: number;
  /** How many tasks: run i belongs to `${taskPrefix}${i % tasks}`. */
  tasks: number;
  taskPrefix: string;
}

/** One run every 10 s, the newest a minute ago (1M runs span ~116 days). */
const STEP_S = 10;

/** Inserts the runs and points task_state at each task's newest run. Returns seconds taken. */
export function fillHistory(dbPath: string, o: HistoryOptions): number {
  const t0 = performance.now();
  const db = new DatabaseSync(dbPath);
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    // A rollback journal for the load: WAL would write every page twice (log, then checkpoint).
    db.exec("PRAGMA journal_mode = DELETE");
    db.exec("PRAGMA synchronous = OFF");
    db.exec("PRAGMA cache_size = -262144");
    const first = Math.floor(Date.now() / 1000) - 60 - (o.runs - 1) * STEP_S;
    db.exec("CREATE TEMP TABLE days (d INTEGER PRIMARY KEY, ymd TEXT NOT NULL, iso TEXT NOT NULL)");
    const day = db.prepare("INSERT INTO temp.days VALUES (?, ?, ?)");
    const lastDay = Math.floor((first + o.runs * STEP_S) / 86400);
    for (let d = Math.floor(first / 86400); d <= lastDay; d++) {
      const iso = new Date(d * 86_400_000).toISOString().slice(0, 10);
      day.run(d, iso.replaceAll("-", ""), iso);
    }
    db.exec("BEGIN IMMEDIATE");
    try {
      db.prepare(
        `WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c WHERE i < CAST(:n AS INTEGER) - 1),
         r AS (SELECT i, CAST(:first AS INTEGER) + i * ${STEP_S} AS s, 40 + i % 900 AS dur,
                 i % 17 = 0 AS failed FROM c),
         q AS (SELECT i, dur, failed, s / 86400 AS d, (s % 86400) / 3600 AS hh,
                 (s % 3600) / 60 AS mi, s % 60 AS ss FROM r),
         v AS (SELECT q.*, days.iso,
                 printf('%sT%02d%02d%02d000000Z-%08x', days.ymd, hh, mi, ss, i) AS id
               FROM q JOIN temp.days AS days USING (d))
         INSERT INTO runs (run_id, task_name, status, exit_code, summary, details_json,
           started_at, finished_at, duration_ms, attempts, log_path)
         SELECT id, :prefix || (i % CAST(:tasks AS INTEGER)),
           CASE WHEN failed THEN 'failed' ELSE 'succeeded' END, failed,
           CASE WHEN failed THEN 'exit code 1' ELSE 'ok: processed ' || (i % 1000) || ' items' END,
           '{"items":' || (i % 1000) || '}',
           printf('%sT%02d:%02d:%02d.000Z', iso, hh, mi, ss),
           printf('%sT%02d:%02d:%02d.%03dZ', iso, hh, mi, ss, dur),
           dur, 1, '/var/log/docket/' || id || '.log'
         FROM v`,
      ).run({ n: o.runs, first, prefix: o.taskPrefix, tasks: o.tasks });
      db.exec(
        `INSERT INTO task_state (task_name, run_id)
           SELECT task_name, max(run_id) FROM runs GROUP BY task_name
         ON CONFLICT (task_name) DO UPDATE SET run_id = excluded.run_id`,
      );
      db.exec("COMMIT");
    } catch (err) {
      db.exec("ROLLBACK");
      throw err;
    }
    db.exec("PRAGMA journal_mode = WAL");
  } finally {
    db.close();
  }
  return (performance.now() - t0) / 1000;
}
