/** The command table: one source for parsing, --help, capabilities.commands and MCP. */
import type { CommandDef } from "./types.ts";

const json = { type: "boolean", description: "Print one JSON document on stdout" } as const;

export const COMMANDS: CommandDef[] = [
  {
    name: "capabilities",
    summary: "Show agent-facing command and task metadata",
    args: [],
    options: {},
    load: () => import("../commands/capabilities.ts"),
  },
  {
    name: "list",
    summary: "List all discovered tasks and their last run status",
    args: [],
    options: {},
    load: () => import("../commands/list.ts"),
  },
  {
    name: "describe",
    summary: "Show a task's description, resolved configuration and sandbox",
    args: [{ name: "task", required: true, description: "Task name" }],
    options: {},
    load: () => import("../commands/describe.ts"),
  },
  {
    name: "run",
    summary: "Execute a task in its sandbox (--dry-run to preview, --async to background)",
    args: [{ name: "task", required: true, description: "Task name" }],
    options: {
      "dry-run": { type: "boolean", description: "Preview: no side effects (exit code 2)" },
      force: { type: "boolean", description: "Bypass the task's lock" },
      async: { type: "boolean", description: "Start in the background and return a receipt" },
      set: {
        type: "string",
        multiple: true,
        value: "key=value",
        description: "Override one config key for this run (repeatable)",
      },
    },
    load: () => import("../commands/run.ts"),
  },
  {
    name: "status",
    summary: "Show the last run of every task, of one task, or one run (--run-id)",
    args: [{ name: "task", required: false, description: "Task name" }],
    options: {
      "run-id": { type: "string", value: "id", description: "Show this run" },
    },
    load: () => import("../commands/status.ts"),
  },
  {
    name: "runs",
    summary: "List recent historical runs",
    args: [{ name: "task", required: false, description: "Only this task's runs" }],
    options: {
      limit: { type: "string", value: "n", description: "How many runs (default 20)" },
    },
    load: () => import("../commands/runs.ts"),
  },
  {
    name: "doctor",
    summary: "Self-diagnostic: config, state DB, dirs, tasks, binaries",
    args: [],
    options: {},
    load: () => import("../commands/doctor.ts"),
  },
];

export const GLOBAL_OPTIONS = {
  json,
  verbose: { type: "boolean", short: "v", description: "Log to stderr (-vv for more)" },
  help: { type: "boolean", short: "h", description: "Show help" },
  version: { type: "boolean", description: "Show the version" },
} as const;

export function findCommand(name: string): CommandDef | undefined {
  return COMMANDS.find((c) => c.name === name);
}
