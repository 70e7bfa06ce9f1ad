/**
 * Storage interfaces. Every module above `src/store/` types against these; `src/store/` holds
 * the implementations (SQLite, in-memory, PostgreSQL) and `openStore` (src/store/open.ts).
 */
import type { ErrorJson } from "./errors.ts";
import type { RetentionStore } from "./retention.ts";
import type { RunStatus } from "./statuses.ts";
import type { TaskGrants } from "../task_api.ts";

/**
 * What was decided when a run was admitted (by the CLI's `run`, or the MCP gate): the grants
 * the run gets and the content of what it runs. The async runner refuses a run whose task
 * would now load differently (`task_changed`), and runs with these grants.
 */
export interface Admission {
  grants: TaskGrants;
  /** The task's module file (drop-in, module, built-in), null for command tasks. */
  module: string | null;
  /** sha-256 (hex) of the module file's bytes at admission, null for command tasks. */
  module_sha256: string | null;
  /** sha-256 (hex) of the config file's bytes at admission, null when there is none. */
  config_sha256: string | null;
}

export interface HookRecord {
  name: string;
  ok: boolean;
  [key: string]: unknown;
}

export interface RunRow {
  run_id: string;
  task_name: string;
  status: RunStatus;
  exit_code: number | null;
  summary: string;
  details: Record<string, unknown>;
  error: ErrorJson | null;
  started_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  dry_run: boolean;
  attempts: number;
  async: boolean;
  runner_pid: number | null;
  runner_start: string | null;
  /** The runner's PID namespace (`pid:[inode]`), null for runs recorded before it was kept. */
  runner_ns: string | null;
  task_pid: number | null;
  /** Start time of the task process (clock ticks since boot), with task_pid its identity. */
  task_start: string | null;
  /** Set by `cancel` before it signals the runner. */
  cancel_requested_at: string | null;
  log_path: string | null;
  overrides: Record<string, unknown>;
  hooks: HookRecord[];
  /** Null for runs recorded before admissions were (schema v2). */
  admission: Admission | null;
  /** The host that ran it (`host_id`); only a shared (PostgreSQL) store records it. */
  host_id?: string;
  /**
   * Set by a shared store on another host's run: whether its runner's heartbeat is fresh
   * (its pids mean nothing here).
   */
  host_alive?: boolean;
}

export interface RunFinish {
  status: RunStatus;
  exit_code: number;
  summary: string;
  details: Record<string, unknown>;
  error: ErrorJson | null;
  finished_at: string;
  duration_ms: number;
  attempts: number;
}

export type RunnerIdentity = Pick<RunRow, "runner_pid" | "runner_start">;

export interface EventInput {
  timestamp: string;
  event_type: string;
  event: Record<string, unknown>;
}

export interface EventRow extends EventInput {
  run_id: string;
  task_name: string;
  event_index: number;
}

export interface LockHolder {
  task_name: string;
  run_id: string;
  pid: number;
  pid_start: string;
  acquired_at: string;
  /** The holder's host (a shared store only). */
  host_id?: string;
}

export interface RunQuery {
  task?: string;
  /** Only runs of this host (a shared store; others have one host). */
  host?: string;
  limit: number;
  includeDryRuns?: boolean;
}

export interface RunStore {
  insertRun(row: RunRow): void;
  setRunner(
    runId: string,
    fields: Partial<
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
  ): void;
  /** With `onlyIf`, records only while the run still has that runner; returns whether it did. */
  finishRun(runId: string, f: RunFinish, onlyIf?: RunnerIdentity): boolean;
  setHooks(runId: string, hooks: HookRecord[]): void;
  getRun(runId: string): RunRow | undefined;
  listRuns(q: RunQuery): RunRow[];
  /** The latest non-dry run per task. */
  latestPerTask(): Map<string, RunRow>;
  /** Runs still marked running/queued (to check for lost runners). */
  activeRuns(): RunRow[];
}

export interface EventStore {
  /** Appends events in order; `firstIndex` is the index of the first one. One transaction. */
  appendEvents(runId: string, taskName: string, firstIndex: number, events: EventInput[]): void;
  listEvents(runId: string, fromIndex: number, limit: number): EventRow[];
  countEvents(runId: string): number;
}

export interface LockStore {
  /** Takes the task's lock unless a live holder has it; a dead holder's lock is taken over. */
  acquire(holder: LockHolder, isHolderAlive: (h: LockHolder) => boolean): { ok: true } | {
    ok: false;
    holder: LockHolder;
  };
  /** Hands a lock to another process (the async runner). */
  transfer(taskName: string, runId: string, pid: number, pidStart: string): void;
  release(taskName: string, runId: string): void;
  list(): LockHolder[];
}

/** What `docket doctor` reports of a store: where it is, its schema, whether it is sound. */
export interface StoreHealth {
  backend: "sqlite" | "postgres" | "memory";
  /** A file path, or a URL with its password masked. */
  location: string;
  schema_version: number;
  schema_latest: number;
  /** "ok", or what is wrong (an integrity check's first message). */
  integrity: string;
}

/** A whole state backend: what commands, the runner and reconciliation use. */
export interface Store extends RunStore, EventStore, LockStore {
  /** Marks an active run as asked to cancel (before its runner is signalled). */
  requestCancel(runId: string, at: string): void;
  retention(): RetentionStore;
  health(): StoreHealth;
  close(): void;
}
