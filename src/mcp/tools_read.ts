/** The read-only MCP tools: tasks, runs, logs and events. Each one calls a command module. */
import { callCommand, freshConfig, handle } from "./invoke.ts";
import { mcpBlock, policyFromJson } from "./policy.ts";
import { inputs, outputs } from "./schemas.ts";
import { type McpOptions, READ_ONLY, tool, type ToolSpec } from "./tool_spec.ts";
import { readLogs } from "./logs.ts";
import { homeConflict } from "../sandbox/home_guard.ts";
import type { taskJson } from "../commands/common.ts";

type TaskJson = ReturnType<typeof taskJson>;

/** The mcp block, judged by the same functions that enforce: the policy and the home guard. */
async function withMcp(t: TaskJson, o: McpOptions) {
  const p = policyFromJson(t);
  const refused = homeConflict(await freshConfig(), p.grants) !== null;
  return { ...t, mcp: mcpBlock(p, o.allowDestructive, refused) };
}

export function readTools(o: McpOptions): ToolSpec[] {
  return [
    tool({
      name: "list_tasks",
      title: "List docket tasks",
      description:
        "The capabilities document: every task with its description, config schema, declared " +
        "permissions and how they are enforced (permissions.enforced_by), plus mcp: " +
        "{auto_approvable, allowed, enforcement}. auto_approvable is true only for tasks Deno " +
        "fully sandboxes that reach nothing beyond their module and scratch dir: no network, " +
        "no reads, no required_env, no sys, no exec, no writes outside scratch.",
      input: inputs.none,
      output: outputs.list_tasks,
      annotations: READ_ONLY,
      handler: handle(async (_args, signal) => {
        const d = await callCommand("capabilities", { signal });
        return {
          ...d,
          tasks: await Promise.all((d.tasks as TaskJson[]).map((t) => withMcp(t, o))),
        };
      }),
    }),
    tool({
      name: "describe_task",
      title: "Describe a task",
      description:
        "One task: description, resolved config (secrets masked), schema, sandbox permissions " +
        "and Deno flags, and the mcp block of list_tasks.",
      input: inputs.describe_task,
      output: outputs.describe_task,
      annotations: READ_ONLY,
      handler: handle(async (a, signal) => {
        const d = await callCommand("describe", { args: [a.task], signal });
        return { ...d, task: await withMcp(d.task as TaskJson, o) };
      }),
    }),
    tool({
      name: "get_run",
      title: "Get a run",
      description: "A run's current status and, once finished, its result (summary, details).",
      input: inputs.run_id,
      output: outputs.get_run,
      annotations: READ_ONLY,
      handler: handle(async (a, signal) => {
        const d = await callCommand("status", {
          opts: { "run-id": a.run_id },
          signal,
          readOnly: true,
        });
        return d.run as Record<string, unknown>;
      }),
    }),
    tool({
      name: "get_logs",
      title: "Read a run's output",
      description:
        "A run's captured stdout/stderr. Without offset: the end of the log (tail: last n " +
        "lines). With offset: from that byte; page with next_offset until eof and the run " +
        "has finished. Never more than max_bytes.",
      input: inputs.get_logs,
      output: outputs.get_logs,
      annotations: READ_ONLY,
      handler: handle(async (a) => readLogs(await freshConfig(), a)),
    }),
    tool({
      name: "get_events",
      title: "Read a run's events",
      description:
        "Structured events a run recorded, in order, from event index `from`; call again " +
        "with next_from to get newer ones.",
      input: inputs.get_events,
      output: outputs.get_events,
      annotations: READ_ONLY,
      handler: handle((a, signal) =>
        callCommand("events", {
          args: [a.run_id],
          opts: { from: String(a.from), limit: String(a.limit) },
          signal,
          readOnly: true,
        })
      ),
    }),
    tool({
      name: "list_runs",
      title: "List recent runs",
      description: "Recent runs, newest first (optionally of one task).",
      input: inputs.list_runs,
      output: outputs.list_runs,
      annotations: READ_ONLY,
      handler: handle((a, signal) =>
        callCommand("runs", {
          args: a.task ? [a.task] : [],
          opts: { limit: String(a.limit) },
          signal,
          readOnly: true,
        })
      ),
    }),
    tool({
      name: "list_occurrences",
      title: "List a scheduled task's slots",
      description: "The occurrence ledger of one scheduled task, newest first: each slot's state " +
        "(ran, late, skipped, refused, missed, pending), run id, start delay and reason.",
      input: inputs.list_occurrences,
      output: outputs.list_occurrences,
      annotations: READ_ONLY,
      handler: handle((a, signal) =>
        callCommand("occurrences", {
          args: [a.task],
          opts: { limit: String(a.limit), ...(a.since ? { since: a.since } : {}) },
          signal,
          readOnly: true,
        })
      ),
    }),
  ];
}
