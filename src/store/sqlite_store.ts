/** SQLite implementation of Store (runs, events, locks, retention, health). */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import type {
  EventInput,
  EventRow,
  HookRecord,
  LockHolder,
  RunFinish,
  RunnerIdentity,
  RunQuery,
  RunRow,
  Store,
  StoreHealth,
} from "../core/store.ts";
import type { RetentionStore } from "../core/retention.ts";
import type { RunStatus } from "../core/statuses.ts";
import { openDb, SCHEMA_VERSION, stateError, tx } from "./sqlite.ts";
import { SqliteRetention } from "./sqlite_retention.ts";

type Row = Record<string, SQLInputValue>;

/**
 * The columns of a run. node:sqlite returns TEXT up to its first NUL byte (measured: "A\0B"
 * stored whole, read back as "A"); as a BLOB it comes back whole, so the free text of a run
 * (its summary; the JSON columns escape NUL themselves) is read that way.
 */
const RUN_COLUMNS = "runs.*, CAST(runs.summary AS BLOB) AS summary_raw";

/** A TEXT column read whole from its BLOB cast (node:sqlite cuts TEXT at a NUL). */
function whole(raw: SQLInputValue | undefined, text: SQLInputValue | undefined): string {
  return raw instanceof Uint8Array ? new TextDecoder().decode(raw) : String(text ?? "");
}

function toRun(r: Row): RunRow {
  return {
    run_id: r.run_id as string,
    task_name: r.task_name as string,
    status: r.status as RunStatus,
    exit_code: r.exit_code as number | null,
    summary: r.summary_raw instanceof Uint8Array
      ? new TextDecoder().decode(r.summary_raw)
      : r.summary as string,
    details: JSON.parse(r.details_json as string),
    error: r.error_json ? JSON.parse(r.error_json as string) : null,
    started_at: r.started_at as string,
    finished_at: r.finished_at as string | null,
    duration_ms: r.duration_ms as number | null,
    dry_run: r.dry_run === 1,
    attempts: r.attempts as number,
    async: r.async === 1,
    runner_pid: r.runner_pid as number | null,
    runner_start: r.runner_start as string | null,
    runner_ns: (r.runner_ns as string | null) ?? null,
    task_pid: r.task_pid as number | null,
    task_start: (r.task_start as string | null) ?? null,
    cancel_requested_at: (r.cancel_requested_at as string | null) ?? null,
    log_path: r.log_path as string | null,
    overrides: JSON.parse(r.overrides_json as string),
    hooks: JSON.parse(r.hooks_json as string),
    admission: r.admission_json ? JSON.parse(r.admission_json as string) : null,
  };
}

export class SqliteStore implements Store {
  readonly db: DatabaseSync;
  readonly path: string;

  constructor(path: string, opts: { readOnly?: boolean } = {}) {
    this.path = path;
    this.db = openDb(path, opts);
  }

  close(): void {
    try {
      this.db.close();
    } catch {
      // closing twice is harmless
    }
  }

  retention(): RetentionStore {
    return new SqliteRetention(this);
  }

  /** The schema version and SQLite's integrity check (its first message, or "ok"). */
  health(): StoreHealth {
    return this.guard(() => {
      const ic = this.db.prepare("PRAGMA integrity_check").get() as { integrity_check: string };
      const v = this.db.prepare("PRAGMA user_version").get() as { user_version: number };
      return {
        backend: "sqlite" as const,
        location: this.path,
        schema_version: v.user_version,
        schema_latest: SCHEMA_VERSION,
        integrity: ic.integrity_check,
      };
    });
  }

  /** Wraps SQLite errors into a clear state_error. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw stateError(this.path, err);
    }
  }

  insertRun(r: RunRow): void {
    this.guard(() =>
      this.db.prepare(
        `INSERT INTO runs (run_id, task_name, status, exit_code, summary, details_json, error_json,
           started_at, finished_at, duration_ms, dry_run, attempts, async, runner_pid, runner_start,
           task_pid, log_path, overrides_json, hooks_json, admission_json, runner_ns)
         VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
      ).run(
        r.run_id,
        r.task_name,
        r.status,
        r.exit_code,
        r.summary,
        JSON.stringify(r.details),
        r.error ? JSON.stringify(r.error) : null,
        r.started_at,
        r.finished_at,
        r.duration_ms,
        r.dry_run ? 1 : 0,
        r.attempts,
        r.async ? 1 : 0,
        r.runner_pid,
        r.runner_start,
        r.task_pid,
        r.log_path,
        JSON.stringify(r.overrides),
        JSON.stringify(r.hooks),
        r.admission ? JSON.stringify(r.admission) : null,
        r.runner_ns,
      )
    );
  }

  setRunner(
    runId: string,
    f: Partial<
      Pick<
        RunRow,
        | "runner_pid"
        | "runner_start"
        | "runner_ns"
        | "task_pid"
        | "task_start"
        | "attempts"
        | "status"
      >
    >,
  ): void {
    const keys = Object.keys(f) as (keyof typeof f)[];
    if (keys.length === 0) return;
    const sets = keys.map((k) => `${k} = ?`).join(", ");
    // Only a run that is still active may be changed: a finished run is immutable.
    this.guard(() =>
      this.db.prepare(
        `UPDATE runs SET ${sets} WHERE run_id = ? AND status IN ('running','queued')`,
      ).run(...keys.map((k) => f[k] as SQLInputValue), runId)
    );
  }

  /**
   * Records the end of a run and, unless it was a dry run, makes it the task's latest state.
   * With `onlyIf`, only while the run still has that runner (a launcher hands a run to its
   * runner concurrently with other processes' lost-run checks). Returns whether it recorded.
   */
  finishRun(runId: string, f: RunFinish, onlyIf?: RunnerIdentity): boolean {
    return this.guard(() =>
      tx(this.db, () => {
        const res = this.db.prepare(
          `UPDATE runs SET status = ?, exit_code = ?, summary = ?, details_json = ?, error_json = ?,
             finished_at = ?, duration_ms = ?, attempts = ?
           WHERE run_id = ? AND status IN ('running','queued')${
            onlyIf ? " AND runner_pid IS ? AND runner_start IS ?" : ""
          }`,
        ).run(
          f.status,
          f.exit_code,
          f.summary,
          JSON.stringify(f.details),
          f.error ? JSON.stringify(f.error) : null,
          f.finished_at,
          f.duration_ms,
          f.attempts,
          runId,
          ...(onlyIf ? [onlyIf.runner_pid, onlyIf.runner_start] : []),
        );
        if (Number(res.changes) === 0) return false;
        const row = this.db.prepare("SELECT task_name, dry_run FROM runs WHERE run_id = ?").get(
          runId,
        ) as { task_name: string; dry_run: number };
        if (row.dry_run !== 1) {
          this.db.prepare(
            `INSERT INTO task_state (task_name, run_id) VALUES (?, ?)
             ON CONFLICT (task_name) DO UPDATE SET run_id = excluded.run_id
             WHERE excluded.run_id > task_state.run_id`,
          ).run(row.task_name, runId);
        }
        this.db.prepare("DELETE FROM locks WHERE run_id = ?").run(runId);
        return true;
      })
    );
  }

  /** Marks an active run as asked to cancel (before its runner is signalled). */
  requestCancel(runId: string, at: string): void {
    this.guard(() =>
      this.db.prepare(
        "UPDATE runs SET cancel_requested_at = ? WHERE run_id = ? AND status IN ('running','queued')",
      ).run(at, runId)
    );
  }

  setHooks(runId: string, hooks: HookRecord[]): void {
    this.guard(() =>
      this.db.prepare("UPDATE runs SET hooks_json = ? WHERE run_id = ?").run(
        JSON.stringify(hooks),
        runId,
      )
    );
  }

  getRun(runId: string): RunRow | undefined {
    const r = this.guard(() =>
      this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`).get(runId) as
        | Row
        | undefined
    );
    return r ? toRun(r) : undefined;
  }

  listRuns(q: RunQuery): RunRow[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (q.task) {
      where.push("task_name = ?");
      args.push(q.task);
    }
    if (q.includeDryRuns === false) where.push("dry_run = 0");
    const sql = `SELECT ${RUN_COLUMNS} FROM runs ${
      where.length ? "WHERE " + where.join(" AND ") : ""
    }
      ORDER BY run_id DESC LIMIT ?`;
    args.push(q.limit);
    return this.guard(() => (this.db.prepare(sql).all(...args) as Row[]).map(toRun));
  }

  latestPerTask(): Map<string, RunRow> {
    const rows = this.guard(() =>
      this.db.prepare(
        `SELECT ${RUN_COLUMNS} FROM task_state JOIN runs ON runs.run_id = task_state.run_id`,
      ).all() as Row[]
    );
    return new Map(rows.map((r) => [r.task_name as string, toRun(r)]));
  }

  activeRuns(): RunRow[] {
    return this.guard(() =>
      (this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE status IN ('running','queued')`)
        .all() as Row[])
        .map(toRun)
    );
  }

  appendEvents(runId: string, taskName: string, firstIndex: number, events: EventInput[]): void {
    if (events.length === 0) return;
    this.guard(() =>
      tx(this.db, () => {
        const st = this.db.prepare(
          `INSERT INTO events (run_id, event_index, task_name, timestamp, event_type, event_json)
           VALUES (?,?,?,?,?,?)`,
        );
        events.forEach((e, i) =>
          st.run(
            runId,
            firstIndex + i,
            taskName,
            e.timestamp,
            e.event_type,
            JSON.stringify(e.event),
          )
        );
      })
    );
  }

  listEvents(runId: string, fromIndex: number, limit: number): EventRow[] {
    const rows = this.guard(() =>
      this.db.prepare(
        // The task's own text, read as BLOB so a NUL does not cut it (see RUN_COLUMNS).
        `SELECT *, CAST(event_type AS BLOB) AS event_type_raw, CAST(timestamp AS BLOB) AS ts_raw
         FROM events WHERE run_id = ? AND event_index >= ? ORDER BY event_index LIMIT ?`,
      ).all(runId, fromIndex, limit) as Row[]
    );
    return rows.map((r) => ({
      run_id: r.run_id as string,
      task_name: r.task_name as string,
      event_index: r.event_index as number,
      timestamp: whole(r.ts_raw, r.timestamp),
      event_type: whole(r.event_type_raw, r.event_type),
      event: JSON.parse(r.event_json as string),
    }));
  }

  countEvents(runId: string): number {
    const r = this.guard(() =>
      this.db.prepare("SELECT count(*) AS n FROM events WHERE run_id = ?").get(runId) as {
        n: number;
      }
    );
    return r.n;
  }

  acquire(
    holder: LockHolder,
    isHolderAlive: (h: LockHolder) => boolean,
  ): { ok: true } | { ok: false; holder: LockHolder } {
    return this.guard(() =>
      tx(this.db, () => {
        const cur = this.db.prepare("SELECT * FROM locks WHERE task_name = ?").get(
          holder.task_name,
        ) as LockHolder | undefined;
        if (cur && isHolderAlive(cur)) return { ok: false as const, holder: { ...cur } };
        this.db.prepare(
          `INSERT OR REPLACE INTO locks (task_name, run_id, pid, pid_start, acquired_at)
           VALUES (?,?,?,?,?)`,
        ).run(holder.task_name, holder.run_id, holder.pid, holder.pid_start, holder.acquired_at);
        return { ok: true as const };
      })
    );
  }

  transfer(taskName: string, runId: string, pid: number, pidStart: string): void {
    this.guard(() =>
      this.db.prepare("UPDATE locks SET pid = ?, pid_start = ? WHERE task_name = ? AND run_id = ?")
        .run(pid, pidStart, taskName, runId)
    );
  }

  release(taskName: string, runId: string): void {
    this.guard(() =>
      this.db.prepare("DELETE FROM locks WHERE task_name = ? AND run_id = ?").run(taskName, runId)
    );
  }

  list(): LockHolder[] {
    return this.guard(() =>
      (this.db.prepare("SELECT * FROM locks").all() as Record<string, unknown>[]).map((r) => ({
        task_name: r.task_name as string,
        run_id: r.run_id as string,
        pid: r.pid as number,
        pid_start: r.pid_start as string,
        acquired_at: r.acquired_at as string,
      }))
    );
  }
}
