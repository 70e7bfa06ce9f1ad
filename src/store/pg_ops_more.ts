/** Events, locks, retention and health of the PostgreSQL store (run in its worker). */
// deno-lint-ignore-file no-explicit-any
import type { Ctx, Sql } from "./pg_ops.ts";
import { PG_SCHEMA_VERSION } from "./pg_schema.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
/** Rows per INSERT: 6 parameters each, under PostgreSQL's 65535 parameters per statement. */
const EVENT_CHUNK = 5000;

export async function appendEvents(
  c: Ctx,
  runId: string,
  taskName: string,
  first: number,
  events: any[],
) {
  if (events.length === 0) return;
  await c.sql.begin(async (tx: Sql) => {
    for (let at = 0; at < events.length; at += EVENT_CHUNK) {
      const part = events.slice(at, at + EVENT_CHUNK);
      const values: string[] = [];
      const params: unknown[] = [];
      part.forEach((e, i) => {
        const b = params.length;
        values.push(`($${b + 1},$${b + 2},$${b + 3},$${b + 4},$${b + 5},$${b + 6})`);
        params.push(
          runId,
          first + at + i,
          taskName,
          e.timestamp,
          enc.encode(e.event_type),
          JSON.stringify(e.event),
        );
      });
      await tx.unsafe(
        `INSERT INTO events (run_id, event_index, task_name, timestamp, event_type, event_json)
         VALUES ${values.join(",")}`,
        params,
      );
    }
  });
}

export async function listEvents(c: Ctx, runId: string, from: number, limit: number) {
  const rows = await c.sql.unsafe(
    `SELECT * FROM events WHERE run_id = $1 AND event_index >= $2 ORDER BY event_index LIMIT $3`,
    [runId, from, limit],
  );
  return rows.map((r: any) => ({
    run_id: r.run_id,
    task_name: r.task_name,
    event_index: Number(r.event_index),
    timestamp: r.timestamp,
    event_type: dec.decode(r.event_type),
    event: JSON.parse(r.event_json),
  }));
}

export async function countEvents(c: Ctx, runId: string) {
  const r = await c.sql.unsafe(`SELECT count(*) AS n FROM events WHERE run_id = $1`, [runId]);
  return Number(r[0].n);
}

function toLock(c: Ctx, r: any) {
  return {
    task_name: r.task_name,
    run_id: r.run_id,
    pid: Number(r.pid),
    pid_start: r.pid_start,
    acquired_at: r.acquired_at,
    host_id: r.host_id,
    // judged by the server's clock: hosts' clocks need not agree
    ...(r.host_id === c.hostId ? {} : { lease_live: r.lease_live === true }),
  };
}

const LOCK_COLS = "locks.*, lease_until > now() AS lease_live";
const lease = (c: Ctx) => `now() + make_interval(secs => ${c.staleMs / 1000})`;

export async function lockGet(c: Ctx, task: string) {
  const r = await c.sql.unsafe(`SELECT ${LOCK_COLS} FROM locks WHERE task_name = $1`, [task]);
  return r.length ? toLock(c, r[0]) : null;
}

/**
 * Takes the lock if it is still as the caller saw it (`expected`, null: free): a compare and
 * swap, so of two hosts racing only one gets it. Returns whether it did.
 */
export async function lockTake(c: Ctx, h: any, expected: any): Promise<boolean> {
  const vals = [h.task_name, h.run_id, h.pid, h.pid_start, h.acquired_at, c.hostId];
  if (!expected) {
    const r = await c.sql.unsafe(
      `INSERT INTO locks (task_name, run_id, pid, pid_start, acquired_at, host_id, lease_until)
       VALUES ($1,$2,$3,$4,$5,$6,${lease(c)}) ON CONFLICT (task_name) DO NOTHING RETURNING 1`,
      vals,
    );
    return r.length === 1;
  }
  const r = await c.sql.unsafe(
    `UPDATE locks SET run_id = $2, pid = $3, pid_start = $4, acquired_at = $5, host_id = $6,
       lease_until = ${lease(c)}
     WHERE task_name = $1 AND run_id = $7 AND pid = $8 AND pid_start = $9 AND host_id = $10
     RETURNING 1`,
    [...vals, expected.run_id, expected.pid, expected.pid_start, expected.host_id],
  );
  return r.length === 1;
}

export async function transfer(c: Ctx, task: string, runId: string, pid: number, start: string) {
  await c.sql.unsafe(
    `UPDATE locks SET pid = $1, pid_start = $2, lease_until = ${lease(c)}
     WHERE task_name = $3 AND run_id = $4`,
    [pid, start, task, runId],
  );
}

export async function release(c: Ctx, task: string, runId: string) {
  await c.sql.unsafe(`DELETE FROM locks WHERE task_name = $1 AND run_id = $2`, [task, runId]);
}

export async function listLocks(c: Ctx) {
  const rows = await c.sql.unsafe(`SELECT ${LOCK_COLS} FROM locks ORDER BY task_name`);
  return rows.map((r: any) => toLock(c, r));
}

const CANDIDATES = `
  SELECT r.run_id, r.task_name, r.status, r.finished_at, r.log_path, r.rn,
    (SELECT count(*) FROM events e WHERE e.run_id = r.run_id) AS event_count
  FROM (
    SELECT run_id, task_name, status, finished_at, log_path,
      ROW_NUMBER() OVER (PARTITION BY task_name ORDER BY run_id DESC) AS rn
    FROM runs WHERE status NOT IN ('running', 'queued')
  ) AS r
  WHERE (($1::int IS NOT NULL AND r.rn > $1::int)
      OR ($2::text IS NOT NULL AND r.finished_at < $2::text))
    AND r.run_id NOT IN (SELECT run_id FROM task_state)
  ORDER BY r.run_id`;

async function candidates(sql: Sql, keep: number | null, cutoff: string | null) {
  const rows = await sql.unsafe(CANDIDATES, [keep, cutoff]);
  return rows.map((r: any) => ({
    run_id: r.run_id,
    task_name: r.task_name,
    status: r.status,
    finished_at: r.finished_at,
    log_path: r.log_path,
    event_count: Number(r.event_count),
    reason: keep !== null && Number(r.rn) > keep ? "keep_runs" : "keep_days",
  }));
}

export async function pruneCandidates(c: Ctx, keep: number | null, cutoff: string | null) {
  return await candidates(c.sql, keep, cutoff);
}

export async function deleteRuns(c: Ctx, keep: number | null, cutoff: string | null) {
  return await c.sql.begin(async (tx: Sql) => {
    // Serialised with other hosts' prunes and finishes of the same runs.
    await tx.unsafe(`LOCK TABLE runs, events IN SHARE ROW EXCLUSIVE MODE`);
    const found = await candidates(tx, keep, cutoff);
    const ids = found.map((f: any) => f.run_id);
    if (ids.length) {
      const list = `(SELECT jsonb_array_elements_text($1::text::jsonb))`;
      await tx.unsafe(`DELETE FROM events WHERE run_id IN ${list}`, [JSON.stringify(ids)]);
      await tx.unsafe(
        `DELETE FROM runs WHERE run_id IN ${list} AND status NOT IN ('running','queued')`,
        [JSON.stringify(ids)],
      );
    }
    return found;
  });
}

/** Schema version, and whether this role may read and write every table. */
export async function health(c: Ctx) {
  const v = await c.sql.unsafe(`SELECT version FROM docket_schema WHERE id = 1`);
  // has_table_privilege with a list is true if ANY is held: each one is asked on its own
  const rows = await c.sql.unsafe(
    `SELECT t, p FROM unnest(ARRAY['runs','events','locks','task_state']) WITH ORDINALITY AS a(t, i),
       unnest(ARRAY['SELECT','INSERT','UPDATE','DELETE']) WITH ORDINALITY AS b(p, j)
     WHERE NOT has_table_privilege(t, p) ORDER BY i, j`,
  );
  const missing = new Map<string, string[]>();
  for (const r of rows) missing.set(r.t, [...(missing.get(r.t) ?? []), r.p]);
  return {
    schema_version: v.length ? Number(v[0].version) : 0,
    schema_latest: PG_SCHEMA_VERSION,
    integrity: missing.size
      ? "this role lacks " +
        [...missing].map(([t, p]) => `${p.join(", ")} on ${t}`).join("; ")
      : "ok",
  };
}
