/**
 * Input and output schemas of the MCP tools (zod 4; the SDK turns them into JSON Schema).
 * Inputs are strict: a misspelt `dry_run` must fail, not run the task for real. Outputs are
 * loose objects whose fields are optional, because a tool error carries `{ok, error}` as its
 * structured content and clients validate that against the same schema.
 */
import { z } from "zod";
import { MAX_LOG_BYTES } from "./logs.ts";

export const MAX_WAIT_SECONDS = 300;
/** Bounds of `set`: at most this many keys, each value at most this many bytes as JSON. */
export const MAX_SET_KEYS = 64;
export const MAX_SET_VALUE_BYTES = 16 * 1024;

/** What is wrong with a `set` mapping (too many keys, a value too big), or null. */
export function setProblem(set: unknown): string | null {
  if (set === undefined || set === null || typeof set !== "object") return null;
  const entries = Object.entries(set as Record<string, unknown>);
  if (entries.length > MAX_SET_KEYS) {
    return `set has ${entries.length} keys; at most ${MAX_SET_KEYS} are allowed`;
  }
  for (const [k, v] of entries) {
    const bytes = new TextEncoder().encode(k).length +
      new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v) ?? "").length;
    if (bytes > MAX_SET_VALUE_BYTES) {
      return `set.${k.slice(0, 40)} is ${bytes} bytes; a set value may have at most ` +
        `${MAX_SET_VALUE_BYTES} bytes`;
    }
  }
  return null;
}

const runId = z.string().min(1).describe(
  "Run id, e.g. 20260427T013000000000Z-ab12cd34 (from start_task, run_task or list_runs)",
);
const waitSeconds = (what: string, dflt: number) =>
  z.number().min(0).max(MAX_WAIT_SECONDS).default(dflt).describe(
    `${what} (0-${MAX_WAIT_SECONDS} s, default ${dflt}); the run goes on after it`,
  );

const startShape = {
  task: z.string().min(1).describe("Task name (see list_tasks)"),
  dry_run: z.boolean().default(false).describe(
    "Preview only: the task's dryRun, or a safe preview; no side effects",
  ),
  set: z.record(z.string(), z.unknown()).optional().describe(
    "Per-run overrides of the task's own config, like the CLI's --set key=value " +
      '(strings are read as JSON when they parse, e.g. "3" → 3). Sandbox keys are refused. ' +
      `At most ${MAX_SET_KEYS} keys, each key and value at most ${MAX_SET_VALUE_BYTES} bytes`,
  ),
  force: z.boolean().default(false).describe("Bypass the task's lock (another run may be active)"),
};

export const inputs = {
  none: z.strictObject({}),
  describe_task: z.strictObject({ task: startShape.task }),
  start_task: z.strictObject(startShape),
  run_task: z.strictObject({
    ...startShape,
    wait_seconds: waitSeconds("How long to wait for the run to finish", 30),
  }),
  run_id: z.strictObject({ run_id: runId }),
  wait_run: z.strictObject({
    run_id: runId,
    timeout_seconds: waitSeconds("How long to wait", 30),
  }),
  get_logs: z.strictObject({
    run_id: runId,
    tail: z.number().int().min(0).max(100_000).optional().describe("Only the last n lines"),
    offset: z.number().int().min(0).optional().describe(
      "Read from this byte offset (use next_offset from the previous call to page forward)",
    ),
    max_bytes: z.number().int().min(1).max(MAX_LOG_BYTES).default(65536).describe(
      `At most this many bytes (default 65536, max ${MAX_LOG_BYTES}); ` +
        "without offset, the end of the log",
    ),
  }),
  get_events: z.strictObject({
    run_id: runId,
    from: z.number().int().min(0).default(0).describe(
      "First event index (use next_from from the previous call)",
    ),
    limit: z.number().int().min(1).max(1000).default(100).describe("At most this many events"),
  }),
  cancel_run: z.strictObject({
    run_id: runId,
    grace_seconds: z.number().min(0).max(60).optional().describe(
      "Seconds between SIGTERM and SIGKILL (default: the task's kill_grace_seconds, 5)",
    ),
  }),
  list_runs: z.strictObject({
    task: z.string().min(1).optional().describe("Only this task's runs"),
    limit: z.number().int().min(1).max(1000).default(20).describe("How many runs, newest first"),
  }),
  list_occurrences: z.strictObject({
    task: z.string().min(1).describe("A task with a schedule"),
    since: z.string().min(1).max(40).optional().describe("Only slots at or after this ISO time"),
    limit: z.number().int().min(1).max(1000).default(20).describe("How many slots, newest first"),
  }),
};

const errorJson = z.looseObject({
  kind: z.string(),
  message: z.string(),
  hint: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** Every output: `ok`, and `error` when a call (or a finished run) failed. */
const base = { ok: z.boolean(), error: errorJson.nullable().optional() };
const str = z.string().optional();
const nstr = z.string().nullable().optional();
const nnum = z.number().nullable().optional();

const runFields = {
  status: str,
  task: str,
  run_id: str,
  exit_code: nnum,
  summary: str,
  details: z.record(z.string(), z.unknown()).optional(),
  dry_run: z.boolean().optional(),
  attempts: z.number().optional(),
  started_at: str,
  finished_at: nstr,
  duration_ms: nnum,
  log_path: nstr,
};
const run = z.looseObject({ ...base, ...runFields });

const mcpBlock = z.looseObject({
  auto_approvable: z.boolean(),
  allowed: z.boolean(),
  enforcement: z.string(),
});
const task = z.looseObject({
  name: z.string(),
  description: z.string(),
  source: z.string(),
  network: z.union([z.boolean(), z.array(z.string())]),
  destructive: z.boolean(),
  mcp: mcpBlock,
});

export const outputs = {
  list_tasks: z.looseObject({ ...base, version: str, tasks: z.array(task).optional() }),
  describe_task: z.looseObject({ ...base, task: task.optional() }),
  /** A finished run (finished: true) or the async receipt of one still going. */
  run: z.looseObject({
    ...base,
    ...runFields,
    finished: z.boolean().optional(),
    note: str,
  }),
  get_run: run,
  get_logs: z.looseObject({
    ...base,
    run_id: str,
    status: str,
    size: z.number().optional(),
    offset: z.number().optional(),
    next_offset: z.number().optional(),
    eof: z.boolean().optional(),
    truncated: z.boolean().optional(),
    content: str,
  }),
  get_events: z.looseObject({
    ...base,
    run_id: str,
    status: str,
    total: z.number().optional(),
    from: z.number().optional(),
    next_from: z.number().optional(),
    events: z.array(z.looseObject({
      event_index: z.number(),
      timestamp: z.string(),
      event_type: z.string(),
      event: z.record(z.string(), z.unknown()),
    })).optional(),
  }),
  cancel_run: z.looseObject({ ...base, ...runFields, cancelled: z.boolean().optional() }),
  list_runs: z.looseObject({ ...base, runs: z.array(run).optional() }),
  list_occurrences: z.looseObject({
    ...base,
    task: z.string().optional(),
    occurrences: z.array(z.looseObject({
      slot: z.string(),
      state: z.enum(["ran", "late", "skipped", "refused", "missed", "pending"]),
      run_id: z.string().nullable(),
      started_at: z.string().nullable(),
      delay_ms: z.number().nullable(),
      reason: z.string().nullable(),
    })).optional(),
  }),
};
