/** Throughput figures: JSONL event ingestion (6) and concurrent async runs (7). */
import { DatabaseSync } from "node:sqlite";
import type { Home } from "./homes.ts";
import { firstLine, median, round, timeOnce } from "./measure.ts";
import { CONCURRENT_RUNS, EVENT_LINES } from "./setup.ts";

export interface EventsResult {
  repetitions: number;
  events_expected: number;
  /** Events found in SQLite for each run (all must equal events_expected). */
  events_recorded: number[];
  wall_ms: number[];
  events_per_s_median: number;
  peak_rss_mb: number[];
  peak_rss_mb_max: number;
  rss_method: string;
  error?: string;
}

function countEvents(db: string, runId: string): number {
  const d = new DatabaseSync(db, { readOnly: true });
  try {
    return Number(
      (d.prepare("SELECT count(*) AS n FROM events WHERE run_id = ?").get(runId) as { n: number })
        .n,
    );
  } finally {
    d.close();
  }
}

/** Figure 6: `docket --json run emit` where the task prints EVENT_LINES JSONL lines. */
export async function eventsFigure(home: Home, repetitions: number): Promise<EventsResult> {
  const r: EventsResult = {
    repetitions,
    events_expected: EVENT_LINES,
    events_recorded: [],
    wall_ms: [],
    events_per_s_median: NaN,
    peak_rss_mb: [],
    peak_rss_mb_max: NaN,
    rss_method: "VmHWM of the docket (deno) process from /proc/<pid>/status, polled every 2 ms " +
      "while it runs (the task's own process is not counted)",
  };
  const rates: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    const s = await timeOnce(home.docket("--json", "run", "emit"), { pollRss: true });
    let out: { status?: string; run_id?: string; details?: { event_count?: number } };
    try {
      out = JSON.parse(s.stdout);
    } catch {
      r.error = `run failed (${s.code}): ${firstLine(s.stdout, s.stderr)}`;
      return r;
    }
    if (s.code !== 0 || out.status !== "succeeded" || !out.run_id) {
      r.error = `run failed (${s.code}): ${firstLine(s.stdout, s.stderr)}`;
      return r;
    }
    const n = countEvents(home.stateDb, out.run_id);
    r.events_recorded.push(n);
    r.wall_ms.push(round(s.ms));
    rates.push(n / (s.ms / 1000));
    if (s.hwmKb !== undefined) r.peak_rss_mb.push(round(s.hwmKb / 1024));
  }
  r.events_per_s_median = Math.round(median(rates));
  r.peak_rss_mb_max = Math.max(...r.peak_rss_mb);
  if (r.events_recorded.some((n) => n !== EVENT_LINES)) {
    r.error = `events recorded ${r.events_recorded.join(", ")}, expected ${EVENT_LINES} each`;
  }
  return r;
}

export interface ConcurrentResult {
  runs: number;
  wall_ms: number;
  receipt_ms_median: number;
  receipt_ms_max: number;
  statuses: Record<string, number>;
  lost: number;
  database_locked: number;
  /** False when the async runner could not even start (no receipts): the figure is skipped. */
  available: boolean;
  error?: string;
}

const LOCKED = /database is locked|SQLITE_BUSY/i;

/**
 * Figure 7: CONCURRENT_RUNS `docket run cNN --async --json` started at once (one task each, so
 * no task lock refuses them); wall time runs from the first spawn until SQLite shows every run
 * finished. Lost runs are only marked on a docket read, so a `docket status` reconciles while
 * waiting and before counting.
 */
export async function concurrentFigure(home: Home, timeoutMs = 120_000): Promise<ConcurrentResult> {
  const names = Array.from({ length: CONCURRENT_RUNS }, (_, i) => `c${String(i).padStart(2, "0")}`);
  const r: ConcurrentResult = {
    runs: names.length,
    wall_ms: NaN,
    receipt_ms_median: NaN,
    receipt_ms_max: NaN,
    statuses: {},
    lost: 0,
    database_locked: 0,
    available: true,
  };
  const t0 = performance.now();
  const receipts = await Promise.all(
    names.map((n) => timeOnce(home.docket("run", n, "--async", "--json"))),
  );
  const ids: string[] = [];
  for (const s of receipts) {
    if (LOCKED.test(s.stdout + s.stderr)) r.database_locked++;
    try {
      const j = JSON.parse(s.stdout);
      if (s.code === 0 && j.ok === true && typeof j.run_id === "string") ids.push(j.run_id);
      else r.error ??= `receipt failed (${s.code}): ${firstLine(s.stdout, s.stderr)}`;
    } catch {
      r.error ??= `receipt failed (${s.code}): ${firstLine(s.stdout, s.stderr)}`;
    }
  }
  r.receipt_ms_median = round(median(receipts.map((s) => s.ms)));
  r.receipt_ms_max = round(Math.max(...receipts.map((s) => s.ms)));
  if (ids.length === 0) r.available = false;
  if (r.error) return r;

  const db = new DatabaseSync(home.stateDb, { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 10000");
    const q = db.prepare(
      `SELECT run_id, status, summary, error_json, details_json, log_path FROM runs
       WHERE run_id IN (${ids.map(() => "?").join(",")})`,
    );
    type Row = Record<string, string | null>;
    let rows: Row[] = [];
    let lastReconcile = performance.now();
    while (true) {
      rows = q.all(...ids) as Row[];
      const active = rows.filter((x) => x.status === "running" || x.status === "queued").length;
      if (rows.length === ids.length && active === 0) break;
      if (performance.now() - t0 > timeoutMs) {
        r.error = `${active} of ${ids.length} runs still active after ${timeoutMs / 1000} s`;
        break;
      }
      if (performance.now() - lastReconcile > 3000) {
        await timeOnce(home.docket("--json", "status")); // marks dead runners' runs lost
        lastReconcile = performance.now();
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    r.wall_ms = round(performance.now() - t0);
    for (const x of rows) {
      r.statuses[x.status!] = (r.statuses[x.status!] ?? 0) + 1;
      let text = `${x.summary}${x.error_json ?? ""}${x.details_json ?? ""}`;
      try {
        if (x.log_path) text += Deno.readTextFileSync(x.log_path);
      } catch {
        // no log
      }
      if (LOCKED.test(text)) r.database_locked++;
    }
  } finally {
    db.close();
  }
  r.lost = r.statuses.lost ?? 0;
  if (!r.error && (r.statuses.succeeded ?? 0) !== ids.length) {
    r.error = `not all runs succeeded: ${JSON.stringify(r.statuses)}`;
  }
  return r;
}
