/** node:sqlite connection: WAL, busy timeout, ordered migrations (PRAGMA user_version). */
import { DatabaseSync } from "node:sqlite";
import { dirname } from "../core/path.ts";
import { RUN_STATUSES } from "../core/statuses.ts";
import { DocketError } from "../core/errors.ts";

const STATUS_CHECK = RUN_STATUSES.map((s) => `'${s}'`).join(",");

const MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     run_id TEXT PRIMARY KEY,
     task_name TEXT NOT NULL,
     status TEXT NOT NULL CHECK (status IN (${STATUS_CHECK})),
     exit_code INTEGER,
     summary TEXT NOT NULL DEFAULT '',
     details_json TEXT NOT NULL DEFAULT '{}',
     error_json TEXT,
     started_at TEXT NOT NULL,
     finished_at TEXT,
     duration_ms INTEGER,
     dry_run INTEGER NOT NULL DEFAULT 0,
     attempts INTEGER NOT NULL DEFAULT 0,
     async INTEGER NOT NULL DEFAULT 0,
     runner_pid INTEGER,
     runner_start TEXT,
     task_pid INTEGER,
     log_path TEXT,
     overrides_json TEXT NOT NULL DEFAULT '{}',
     hooks_json TEXT NOT NULL DEFAULT '[]'
   );
   CREATE INDEX runs_by_task ON runs (task_name, run_id DESC);
   CREATE INDEX runs_active ON runs (status) WHERE status IN ('running', 'queued');
   CREATE TABLE task_state (
     task_name TEXT PRIMARY KEY,
     run_id TEXT NOT NULL
   );
   CREATE TABLE events (
     run_id TEXT NOT NULL,
     event_index INTEGER NOT NULL,
     task_name TEXT NOT NULL,
     timestamp TEXT NOT NULL,
     event_type TEXT NOT NULL,
     event_json TEXT NOT NULL,
     PRIMARY KEY (run_id, event_index)
   ) WITHOUT ROWID;
   CREATE TABLE locks (
     task_name TEXT PRIMARY KEY,
     run_id TEXT NOT NULL,
     pid INTEGER NOT NULL,
     pid_start TEXT NOT NULL,
     acquired_at TEXT NOT NULL
   );`,
  // v2: the task process's start time, so a dead run's task group is only signalled while
  // its leader is still that process (pids are reused).
  // and when a cancel was asked for, so a runner that dies of it is `cancelled`, not `lost`.
  `ALTER TABLE runs ADD COLUMN task_start TEXT;
   ALTER TABLE runs ADD COLUMN cancel_requested_at TEXT;`,
  // v3: what the run was admitted with (grants, module and config hashes): the runner runs that.
  `ALTER TABLE runs ADD COLUMN admission_json TEXT;`,
  // v4: the runner's PID namespace: its pid and start time identify it only there; from
  // another namespace its liveness is its heartbeat file.
  `ALTER TABLE runs ADD COLUMN runner_ns TEXT;`,
  // v5: each task's last success in one index step (`docket ui`'s overview), not a scan back
  // through a task that has failed for a long time.
  `CREATE INDEX runs_last_success ON runs (task_name, run_id DESC)
     WHERE status = 'succeeded' AND dry_run = 0;`,
  // v6: the occurrence ledger (src/store/occurrences.ts): one row per slot that was claimed or
  // started; the primary key is what stops two schedulers from starting one slot twice.
  // occurrence_origin: since when each engine expects a task's slots (missed is computed
  // from it when the ledger is read).
  `CREATE TABLE occurrences (
     task_name TEXT NOT NULL,
     slot TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('claimed','queued','ran','late','skipped','refused','missed')),
     run_id TEXT,
     started_at TEXT,
     delay_ms INTEGER,
     reason TEXT,
     holder_run_id TEXT,
     engine TEXT NOT NULL DEFAULT '',
     PRIMARY KEY (task_name, slot)
   ) WITHOUT ROWID;
   CREATE TABLE occurrence_origin (
     task_name TEXT NOT NULL,
     engine TEXT NOT NULL,
     since TEXT NOT NULL,
     PRIMARY KEY (task_name, engine)
   ) WITHOUT ROWID;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

export function openDb(path: string, opts: { readOnly?: boolean } = {}): DatabaseSync {
  let db: DatabaseSync;
  try {
    if (!opts.readOnly) {
      Deno.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      // Private from the start (runs' details may hold secrets); -wal/-shm inherit the mode.
      try {
        Deno.writeFileSync(path, new Uint8Array(), { createNew: true, mode: 0o600 });
      } catch {
        // it exists
      }
    }
    db = new DatabaseSync(path, opts.readOnly ? { readOnly: true } : {});
    // Deno ignores the constructor's timeout option (measured): set it with a PRAGMA.
    db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs()}`);
    if (!opts.readOnly) {
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      migrate(db);
    }
  } catch (err) {
    if (err instanceof DocketError) throw err;
    throw stateError(path, err);
  }
  return db;
}

/**
 * How long a write waits for another process's write lock: 10 s, or `DOCKET_BUSY_TIMEOUT_MS`
 * (tests lower it to prove a held lock ends in a clear state_error, not a hang).
 */
export function busyTimeoutMs(): number {
  const raw = Deno.env.get("DOCKET_BUSY_TIMEOUT_MS")?.trim();
  const v = raw ? Number(raw) : NaN;
  return Number.isInteger(v) && v >= 0 ? v : 10000;
}

export function stateError(path: string, err: unknown): DocketError {
  const msg = err instanceof Error ? err.message : String(err);
  const corrupt = /malformed|not a database|file is (encrypted|not)/i.test(msg);
  return new DocketError(
    "state_error",
    `Cannot use state database "${path}": ${msg}`,
    {
      hint: corrupt
        ? "The file is damaged: move it aside (docket starts a new one) and run `docket doctor`"
        : /locked/i.test(msg)
        ? "Another process holds a write lock on the database for too long; retry, or find it with `fuser`"
        : "Check that the state_dir path is writable, then run `docket doctor`",
      cause: err,
    },
  );
}

function migrate(db: DatabaseSync): void {
  const row = db.prepare("PRAGMA user_version").get() as { user_version: number };
  const current = row.user_version;
  if (current > MIGRATIONS.length) {
    throw new DocketError(
      "state_error",
      `State database schema version ${current} is newer than this docket (${MIGRATIONS.length})`,
      { hint: "Upgrade docket, or point state_dir at another file" },
    );
  }
  if (current === MIGRATIONS.length) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    const again = (db.prepare("PRAGMA user_version").get() as { user_version: number })
      .user_version;
    for (let v = again; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]!);
    db.exec(`PRAGMA user_version = ${MIGRATIONS.length}`);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

/** Runs `fn` in a BEGIN IMMEDIATE transaction (a deferred one that reads first gets SQLITE_BUSY). */
export function tx<T>(db: DatabaseSync, fn: () => T): T {
  db.exec("BEGIN IMMEDIATE");
  try {
    const out = fn();
    db.exec("COMMIT");
    return out;
  } catch (err) {
    try {
      db.exec("ROLLBACK");
    } catch {
      // already rolled back
    }
    throw err;
  }
}
