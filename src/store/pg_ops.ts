/**
 * The SQL of the PostgreSQL store, run inside its worker (src/store/pg_worker.ts). Each op
 * takes plain JSON arguments and returns plain JSON: the main thread waits for it.
 */
// deno-lint-ignore-file no-explicit-any
import { MIGRATION_LOCK, PG_MIGRATIONS, PG_SCHEMA_VERSION } from "./pg_schema.ts";

export type Sql = any;
export interface Ctx {
  sql: Sql;
  hostId: string;
  pid: number;
  /** Lease of a lock and freshness of a run's heartbeat, in ms. */
  staleMs: number;
}

const ACTIVE = "status IN ('running','queued')";
const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);
const text = (b: unknown) => b instanceof Uint8Array ? dec.decode(b) : String(b ?? "");
const num = (v: unknown) => v === null || v === undefined ? null : Number(v);

export class SchemaNewer extends Error {}

/** The schema version, 0 for an empty database (one round trip: this runs on every open). */
async function version(sql: Sql): Promise<number> {
  try {
    const r = await sql.unsafe(`SELECT version FROM docket_schema WHERE id = 1`);
    return r.length ? Number(r[0].version) : 0;
  } catch (e: any) {
    if (e?.code === "42P01") return 0; // undefined_table: a database docket never used
    throw e;
  }
}

/** Migrates in order (one transaction, under an advisory lock); refuses a newer schema. */
export async function open(c: Ctx): Promise<{ version: number }> {
  const check = (v: number) => {
    if (v > PG_SCHEMA_VERSION) {
      throw new SchemaNewer(
        `PostgreSQL schema version ${v} is newer than this docket (${PG_SCHEMA_VERSION})`,
      );
    }
  };
  const v0 = await version(c.sql);
  check(v0);
  if (v0 === PG_SCHEMA_VERSION) return { version: v0 };
  await c.sql.begin(async (tx: Sql) => {
    await tx.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS docket_schema (id INTEGER PRIMARY KEY CHECK (id = 1),
         version INTEGER NOT NULL)`,
    );
    const v = await version(tx);
    check(v);
    for (let i = v; i < PG_SCHEMA_VERSION; i++) await tx.unsafe(PG_MIGRATIONS[i]!);
    await tx.unsafe(
      `INSERT INTO docket_schema (id, version) VALUES (1, $1)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version`,
      [PG_SCHEMA_VERSION],
    );
  });
  return { version: PG_SCHEMA_VERSION };
}

/** Extends this process's leases and heartbeats (every beat, from the worker's own timer). */
export async function beat(c: Ctx): Promise<void> {
  const lease = `now() + make_interval(secs => ${c.staleMs / 1000})`;
  await c.sql.unsafe(
    `UPDATE locks SET lease_until = ${lease} WHERE host_id = $1 AND pid = $2`,
    [c.hostId, c.pid],
  );
  await c.sql.unsafe(
    `UPDATE runs SET heartbeat_at = now() WHERE host_id = $1 AND runner_pid = $2 AND ${ACTIVE}`,
    [c.hostId, c.pid],
  );
}

function runCols(c: Ctx): string {
  return `runs.*, (coalesce(heartbeat_at, started_at::timestamptz) >
    now() - make_interval(secs => ${c.staleMs / 1000})) AS beat_fresh`;
}

function toRun(c: Ctx, r: any): Record<string, unknown> {
  const out: Record<string, unknown> = {
    run_id: r.run_id,
    task_name: r.task_name,
    status: r.status,
    exit_code: num(r.exit_code),
    summary: text(r.summary),
    details: JSON.parse(r.details_json),
    error: r.error_json ? JSON.parse(r.error_json) : null,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: num(r.duration_ms),
    dry_run: r.dry_run,
    attempts: Number(r.attempts),
    async: r.async,
    runner_pid: num(r.runner_pid),
    runner_start: r.runner_start,
    runner_ns: r.runner_ns,
    task_pid: num(r.task_pid),
    task_start: r.task_start,
    cancel_requested_at: r.cancel_requested_at,
    log_path: r.log_path,
    overrides: JSON.parse(r.overrides_json),
    hooks: JSON.parse(r.hooks_json),
    admission: r.admission_json ? JSON.parse(r.admission_json) : null,
    host_id: r.host_id,
  };
  // Another host's processes cannot be looked at: its runner lives while its heartbeat does.
  if (r.host_id !== c.hostId) out.host_alive = r.beat_fresh === true;
  return out;
}

export async function insertRun(c: Ctx, r: any): Promise<void> {
  await c.sql.unsafe(
    `INSERT INTO runs (run_id, task_name, status, exit_code, summary, details_json, error_json,
       started_at, finished_at, duration_ms, dry_run, attempts, async, runner_pid, runner_start,
       task_pid, log_path, overrides_json, hooks_json, admission_json, runner_ns, host_id,
       heartbeat_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,now())`,
    [
      r.run_id,
      r.task_name,
      r.status,
      r.exit_code,
      bytes(r.summary),
      JSON.stringify(r.details),
      r.error ? JSON.stringify(r.error) : null,
      r.started_at,
      r.finished_at,
      r.duration_ms,
      r.dry_run,
      r.attempts,
      r.async,
      r.runner_pid,
      r.runner_start,
      r.task_pid,
      r.log_path,
      JSON.stringify(r.overrides),
      JSON.stringify(r.hooks),
      r.admission ? JSON.stringify(r.admission) : null,
      r.runner_ns,
      c.hostId,
    ],
  );
}

const RUNNER_FIELDS = [
  "runner_pid",
  "runner_start",
  "runner_ns",
  "task_pid",
  "task_start",
  "attempts",
  "status",
];

export async function setRunner(c: Ctx, runId: string, f: Record<string, unknown>) {
  const keys = Object.keys(f).filter((k) => RUNNER_FIELDS.includes(k));
  if (keys.length === 0) return;
  const sets = keys.map((k, i) => `${k} = $${i + 2}`).join(", ");
  await c.sql.unsafe(
    `UPDATE runs SET ${sets} WHERE run_id = $1 AND ${ACTIVE}`,
    [runId, ...keys.map((k) => f[k] ?? null)],
  );
}

export async function finishRun(c: Ctx, runId: string, f: any, onlyIf: any): Promise<boolean> {
  return await c.sql.begin(async (tx: Sql) => {
    const params = [
      f.status,
      f.exit_code,
      bytes(f.summary),
      JSON.stringify(f.details),
      f.error ? JSON.stringify(f.error) : null,
      f.finished_at,
      f.duration_ms,
      f.attempts,
      runId,
    ];
    let cond = "";
    if (onlyIf) {
      cond = " AND runner_pid IS NOT DISTINCT FROM $10::int" +
        " AND runner_start IS NOT DISTINCT FROM $11::text";
      params.push(onlyIf.runner_pid, onlyIf.runner_start);
    }
    const rows = await tx.unsafe(
      `UPDATE runs SET status = $1, exit_code = $2, summary = $3, details_json = $4,
         error_json = $5, finished_at = $6, duration_ms = $7, attempts = $8
       WHERE run_id = $9 AND ${ACTIVE}${cond} RETURNING task_name, dry_run`,
      params,
    );
    if (rows.length === 0) return false;
    if (!rows[0].dry_run) {
      await tx.unsafe(
        `INSERT INTO task_state (task_name, run_id) VALUES ($1, $2)
         ON CONFLICT (task_name) DO UPDATE SET run_id = excluded.run_id
         WHERE excluded.run_id > task_state.run_id`,
        [rows[0].task_name, runId],
      );
    }
    await tx.unsafe(`DELETE FROM locks WHERE run_id = $1`, [runId]);
    return true;
  });
}

export async function requestCancel(c: Ctx, runId: string, at: string) {
  await c.sql.unsafe(`UPDATE runs SET cancel_requested_at = $1 WHERE run_id = $2 AND ${ACTIVE}`, [
    at,
    runId,
  ]);
}

export async function setHooks(c: Ctx, runId: string, hooks: unknown) {
  await c.sql.unsafe(`UPDATE runs SET hooks_json = $1 WHERE run_id = $2`, [
    JSON.stringify(hooks),
    runId,
  ]);
}

export async function getRun(c: Ctx, runId: string) {
  const r = await c.sql.unsafe(`SELECT ${runCols(c)} FROM runs WHERE run_id = $1`, [runId]);
  return r.length ? toRun(c, r[0]) : null;
}

export async function listRuns(c: Ctx, q: any) {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.task) where.push(`task_name = $${args.push(q.task)}`);
  if (q.host) where.push(`host_id = $${args.push(q.host)}`);
  if (q.includeDryRuns === false) where.push("NOT dry_run");
  const w = where.length ? "WHERE " + where.join(" AND ") : "";
  const rows = await c.sql.unsafe(
    `SELECT ${runCols(c)} FROM runs ${w} ORDER BY run_id DESC LIMIT $${args.push(q.limit)}`,
    args,
  );
  return rows.map((r: any) => toRun(c, r));
}

export async function latestPerTask(c: Ctx) {
  const rows = await c.sql.unsafe(
    `SELECT ${runCols(c)} FROM task_state JOIN runs ON runs.run_id = task_state.run_id`,
  );
  return rows.map((r: any) => toRun(c, r));
}

export async function activeRuns(c: Ctx) {
  const rows = await c.sql.unsafe(`SELECT ${runCols(c)} FROM runs WHERE ${ACTIVE}`);
  return rows.map((r: any) => toRun(c, r));
}
