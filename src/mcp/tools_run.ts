/** The MCP tools that start, wait for and cancel runs. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { runJson } from "../commands/common.ts";
import { openStore } from "../store/open.ts";
import type { DocketConfig } from "../config/types.ts";
import { presentRun } from "../runs/reconcile.ts";
import { RunBudget } from "./run_budget.ts";
import { requireRunId } from "../commands/status.ts";
import { callCommand, freshConfig, handle, toolError, toolResult } from "./invoke.ts";
import {
  assertCancelAllowed,
  assertRunAllowed,
  type PolicyTask,
  runAnnotations,
  taskSummary,
} from "./policy.ts";
import { waitWithProgress } from "./progress.ts";
import { inputs, outputs } from "./schemas.ts";
import { type McpOptions, READ_ONLY, tool, type ToolExtra, type ToolSpec } from "./tool_spec.ts";

interface StartArgs {
  task: string;
  dry_run: boolean;
  set?: Record<string, unknown> | undefined;
  force: boolean;
}

/** `set` → the CLI's `--set key=value` list: strings as typed there, other values as JSON. */
export function setArgs(set: Record<string, unknown> | undefined): string[] {
  return Object.entries(set ?? {}).map(([k, v]) =>
    `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`
  );
}

const FOLLOW = "The run goes on in the background: get_events / get_logs follow it, " +
  "wait_run waits for its result, cancel_run stops it.";

/**
 * Decide once: the task the gate checks is the task whose grants are recorded with the run
 * (no second lookup that a non-deterministic drop-in could answer differently). The config's
 * hash is taken before the config is read, so a later edit is refused by the runner.
 */
async function start(
  a: StartArgs,
  o: McpOptions,
  started: Set<string>,
  budget: RunBudget,
): Promise<Record<string, unknown>> {
  const [{ findTask }, { startAsync }, { configSha256 }, { parseSetArgs }] = await Promise.all([
    import("../registry/registry.ts"),
    import("../runs/async.ts"),
    import("../runs/admission.ts"),
    import("../runs/overrides.ts"),
  ]);
  const configHash = await configSha256();
  const cfg = await freshConfig();
  const overrides = parseSetArgs(setArgs(a.set));
  const task = await findTask(cfg, a.task);
  assertRunAllowed(task, { allowDestructive: o.allowDestructive, dryRun: a.dry_run });
  const slot = budget.reserve(task.name, (ids) => stillRunning(cfg, ids));
  let receipt: Awaited<ReturnType<typeof startAsync>>;
  try {
    receipt = await startAsync({
      cfg,
      task,
      dryRun: a.dry_run,
      force: a.force,
      overrides,
      configSha256: configHash,
    });
  } catch (err) {
    slot.release();
    throw err;
  }
  slot.commit(receipt.run_id);
  started.add(receipt.run_id);
  return { ...receipt, finished: false, note: FOLLOW };
}

/** Which of `ids` are still going, as read-only views show them (a dead runner's run is not). */
function stillRunning(cfg: DocketConfig, ids: string[]): string[] {
  const store = openStore(cfg);
  try {
    return ids.filter((id) => {
      const r = store.getRun(id);
      return r !== undefined && ["running", "queued"].includes(presentRun(r).status);
    });
  } finally {
    store.close();
  }
}

/** Sends progress notifications only when the client asked (sent a progress token). */
function reporter(extra: ToolExtra) {
  const token = extra._meta?.progressToken;
  if (token === undefined) return {};
  return {
    report: (p: { progress: number; message: string }) =>
      extra.sendNotification({
        method: "notifications/progress",
        params: { progressToken: token, ...p },
      }),
  };
}

async function waitOrNote(runId: string, seconds: number, extra: ToolExtra, readOnly: boolean) {
  const row = await waitWithProgress({
    cfg: await freshConfig(),
    runId,
    timeoutMs: seconds * 1000,
    signal: extra.signal,
    readOnly,
    ...reporter(extra),
  });
  return row ? { ...runJson(row), finished: true } : null;
}

export function runTools(
  o: McpOptions,
  tasks: PolicyTask[] | null,
  loadError?: string,
): ToolSpec[] {
  const ann = runAnnotations(tasks);
  // Runs this server started: the ones cancel_run may stop without --allow-destructive.
  const started = new Set<string>();
  const budget = new RunBudget();
  const summary = taskSummary(tasks, {
    allowDestructive: o.allowDestructive,
    ...(loadError ? { loadError } : {}),
  });
  const common = "dry_run previews without side effects; set overrides the task's config for " +
    "this run (validated like the CLI's --set); force bypasses the task's lock.";
  return [
    tool({
      name: "run_task",
      title: "Run a task",
      description: "Run a docket task in its sandbox and wait up to wait_seconds (default 30, " +
        "max 300) for the result (status, summary, details; finished: true). If it is still " +
        "running then, the async receipt comes back instead (finished: false) and the run " +
        `goes on. ${common} Sends progress notifications from the task's events when the ` +
        `request has a progress token.\n${summary}`,
      input: inputs.run_task,
      output: outputs.run,
      annotations: { title: "Run a task", ...ann },
      handler: async (a, extra): Promise<CallToolResult> => {
        try {
          const receipt = await start(a, o, started, budget);
          const done = await waitOrNote(String(receipt.run_id), a.wait_seconds, extra, false);
          if (done) return toolResult(done);
          return toolResult({
            ...receipt,
            note: `Still running after ${a.wait_seconds} s. ${FOLLOW}`,
          });
        } catch (err) {
          return toolError(err);
        }
      },
    }),
    tool({
      name: "start_task",
      title: "Start a task in the background",
      description: `Start a docket task in the background and return its receipt (run_id, ` +
        `log_path) at once. ${common}\n${summary}`,
      input: inputs.start_task,
      output: outputs.run,
      annotations: { title: "Start a task", ...ann },
      handler: handle((a) => start(a, o, started, budget)),
    }),
    tool({
      name: "wait_run",
      title: "Wait for a run",
      description: "Wait up to timeout_seconds (default 30, max 300) for a run to finish: its " +
        "result (finished: true), or its current state (finished: false) if it is still going. " +
        "Sends progress notifications from its events when the request has a progress token.",
      input: inputs.wait_run,
      output: outputs.run,
      annotations: { title: "Wait for a run", ...READ_ONLY },
      handler: async (a, extra): Promise<CallToolResult> => {
        try {
          requireRunId(a.run_id);
          const done = await waitOrNote(a.run_id, a.timeout_seconds, extra, true);
          if (done) return toolResult(done);
          const now = await callCommand("status", {
            opts: { "run-id": a.run_id },
            signal: extra.signal,
            readOnly: true,
          });
          return toolResult({
            ...(now.run as Record<string, unknown>),
            finished: false,
            note: `Still running after ${a.timeout_seconds} s. ${FOLLOW}`,
          });
        } catch (err) {
          return toolError(err);
        }
      },
    }),
    tool({
      name: "cancel_run",
      title: "Cancel a run",
      description: "Cancel a running task: SIGTERM to its whole process group, SIGKILL after " +
        "the grace period; the run is recorded as cancelled. A finished run is left as it is. " +
        "Gated like a destructive run: only runs this server started, unless the server was " +
        "started with --allow-destructive.",
      input: inputs.cancel_run,
      output: outputs.cancel_run,
      annotations: {
        title: "Cancel a run",
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: false,
      },
      handler: handle((a, signal) => {
        requireRunId(a.run_id);
        assertCancelAllowed(a.run_id, { allowDestructive: o.allowDestructive, started });
        return callCommand("cancel", {
          args: [a.run_id],
          opts: a.grace_seconds === undefined ? {} : { grace: String(a.grace_seconds) },
          signal,
        });
      }),
    }),
  ];
}
