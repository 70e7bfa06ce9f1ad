/**
 * PostgreSQL schema: the SQLite tables (src/store/sqlite.ts, v1–v4) in one first version,
 * plus what many hosts need: `runs.host_id`, `runs.heartbeat_at`, and locks with a host and a
 * lease. Versions are applied in order under an advisory lock; a newer schema is refused.
 */
import { RUN_STATUSES } from "../core/statuses.ts";

const STATUS_CHECK = RUN_STATUSES.map((s) => `'${s}'`).join(",");

// Ordering and comparisons of ids and ISO times must be byte order, as in SQLite: COLLATE "C".
// Free text that may hold NUL (PostgreSQL text cannot) is bytea: the run's summary.
export const PG_MIGRATIONS: string[] = [
  `CREATE TABLE runs (
     run_id TEXT COLLATE "C" PRIMARY KEY,
     task_name TEXT COLLATE "C" NOT NULL,
     status TEXT NOT NULL CHECK (status IN (${STATUS_CHECK})),
     exit_code INTEGER,
     summary BYTEA NOT NULL DEFAULT '',
     details_json TEXT NOT NULL DEFAULT '{}',
     error_json TEXT,
     started_at TEXT COLLATE "C" NOT NULL,
     finished_at TEXT COLLATE "C",
     duration_ms BIGINT,
     dry_run BOOLEAN NOT NULL DEFAULT false,
     attempts INTEGER NOT NULL DEFAULT 0,
     async BOOLEAN NOT NULL DEFAULT false,
     runner_pid INTEGER,
     runner_start TEXT,
     runner_ns TEXT,
     task_pid INTEGER,
     task_start TEXT,
     cancel_requested_at TEXT,
     log_path TEXT,
     overrides_json TEXT NOT NULL DEFAULT '{}',
     hooks_json TEXT NOT NULL DEFAULT '[]',
     admission_json TEXT,
     host_id TEXT COLLATE "C" NOT NULL,
     heartbeat_at TIMESTAMPTZ
   );
   CREATE INDEX runs_by_task ON runs (task_name, run_id DESC);
   CREATE INDEX runs_by_host ON runs (host_id, run_id DESC);
   CREATE INDEX runs_active ON runs (status) WHERE status IN ('running', 'queued');
   CREATE TABLE task_state (
     task_name TEXT COLLATE "C" PRIMARY KEY,
     run_id TEXT COLLATE "C" NOT NULL
   );
   CREATE TABLE events (
     run_id TEXT COLLATE "C" NOT NULL,
     event_index INTEGER NOT NULL,
     task_name TEXT NOT NULL,
     timestamp TEXT NOT NULL,
     event_type BYTEA NOT NULL,
     event_json TEXT NOT NULL,
     PRIMARY KEY (run_id, event_index)
   );
   CREATE TABLE locks (
     task_name TEXT COLLATE "C" PRIMARY KEY,
     run_id TEXT COLLATE "C" NOT NULL,
     pid INTEGER NOT NULL,
     pid_start TEXT NOT NULL,
     acquired_at TEXT NOT NULL,
     host_id TEXT COLLATE "C" NOT NULL,
     lease_until TIMESTAMPTZ NOT NULL
   );`,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** Key of the advisory lock that serialises migrations between hosts. */
export const MIGRATION_LOCK = 0x646f636b; // "dock"
