/**
 * The public API for docket tasks written in TypeScript.
 *
 * A task is a module whose default export is a task definition. It runs in its own
 * sandboxed Deno subprocess whose permissions are derived from what it declares.
 *
 * @example
 * ```ts
 * import { defineTask } from "./task.ts";
 *
 * export default defineTask({
 *   description: "Say hello",
 *   outputs: { greeting: "The greeting" },
 *   run(config, ctx) {
 *     ctx.event("greeted", { who: String(config.who ?? "world") });
 *     return { ok: true, summary: "Said hello", details: { greeting: "hello" } };
 *   },
 * });
 * ```
 * @module
 */

/** What a task returns: the Deno counterpart of the Python `TaskResult`. */
export interface TaskResult {
  ok: boolean;
  summary: string;
  details?: Record<string, unknown>;
}

/** One field of the README's dict-form schema. */
export interface SchemaField {
  type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
  required?: boolean;
  description?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
}

/** A Standard Schema (zod 4 implements it): validated inside the sandbox before `run`. */
export interface StandardSchemaLike {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    validate(value: unknown): unknown;
  };
}

/** The run context handed to `run` and `dryRun`. */
export interface TaskContext {
  /** Durable run id (`YYYYMMDDTHHMMSSffffffZ-xxxxxxxx`). */
  readonly runId: string;
  readonly taskName: string;
  readonly dryRun: boolean;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** A per-run directory the task may read and write; removed after the run. */
  readonly scratchDir: string;
  /** Aborted when the run is cancelled or times out; the process ends soon after. */
  readonly signal: AbortSignal;
  /** Records a structured event; it reaches SQLite while the task runs. */
  event(type: string, data?: Record<string, unknown>): void;
}

/** Permissions and metadata a task declares. docket derives the sandbox from these. */
export interface TaskDeclarations {
  /** Defaults to the file name (drop-ins) or the config key. */
  name?: string;
  description: string;
  inputs?: Record<string, string>;
  outputs?: Record<string, string>;
  schema?: Record<string, SchemaField> | StandardSchemaLike;
  /** Environment variables the task may read; nothing else reaches it. */
  required_env?: string[];
  /** `false` (default): no network. `true`: any host. A list: only those `host[:port]`. */
  network?: boolean | string[];
  /** `false` (default): no writes outside the scratch dir. `true`: writes to `writes` paths. */
  destructive?: boolean;
  /** Paths a destructive task may write: all paths if absent, only these (and scratch) if set. */
  writes?: string[];
  /** Paths the task may read, beyond its own module and scratch dir. */
  reads?: string[];
  /**
   * Executables the task may start (`--allow-run=`). Named `exec`, not `run`, because `run`
   * is the task's function. Started programs run outside Deno's sandbox (see README).
   */
  exec?: string[];
  /** `Deno` system-info APIs the task may call, e.g. `systemMemoryInfo`. */
  sys?: string[];
  /** V8 heap cap for the task's process. */
  max_memory_mb?: number;
  /** Config defaults merged under the task's config section. */
  defaults?: Record<string, unknown>;
}

export type TaskConfig = Record<string, unknown>;

/** A task definition: declarations plus `run` and an optional `dryRun`. */
export interface TaskDefinition<C extends TaskConfig = TaskConfig> extends TaskDeclarations {
  run(config: C, ctx: TaskContext): TaskResult | Promise<TaskResult>;
  /** Without it, `--dry-run` returns a safe preview and does not call `run`. */
  dryRun?(config: C, ctx: TaskContext): TaskResult | Promise<TaskResult>;
  /**
   * Built-in tasks only: grants that depend on the task's config (e.g. the backup tool to
   * run). docket evaluates it in the orchestrator, so it is ignored for drop-in modules,
   * whose grants come from their static declarations and the operator's config.
   */
  grantsFor?(config: C): Partial<TaskGrants>;
}

/** The subset of declarations that become Deno permissions. */
export type TaskGrants = Pick<
  TaskDeclarations,
  "network" | "required_env" | "destructive" | "writes" | "reads" | "exec" | "sys" | "max_memory_mb"
>;

/** Identity helper that gives a task definition its types. */
export function defineTask<C extends TaskConfig = TaskConfig>(
  def: TaskDefinition<C>,
): TaskDefinition<C> {
  return def;
}
