/** The command table: one source for parsing, --help, capabilities.commands and MCP. */
import type { CommandDef, CommandModule } from "./types.ts";
import { lazy } from "../core/lazy.ts";

/** A command's module, imported only when that command runs (not followed at startup). */
const command = (file: string) => () =>
  lazy<CommandModule>(`../commands/${file}.ts`, import.meta.url);

const json = { type: "boolean", description: "Print one JSON document on stdout" } as const;

export const COMMANDS: CommandDef[] = [
  {
    name: "capabilities",
    summary: "Show agent-facing command and task metadata",
    args: [],
    options: {},
    load: command("capabilities"),
  },
  {
    name: "list",
    summary: "List all discovered tasks and their last run status",
    args: [],
    options: {},
    load: command("list"),
  },
  {
    name: "describe",
    summary: "Show a task's description, resolved configuration and sandbox",
    args: [{ name: "task", required: true, description: "Task name" }],
    options: {
      "dry-run": { type: "boolean", description: "Show the sandbox of a dry run instead" },
    },
    load: command("describe"),
  },
  {
    name: "run",
    summary: "Execute a task in its sandbox (--dry-run to preview, --async to background)",
    args: [{ name: "task", required: true, description: "Task name" }],
    options: {
      "dry-run": { type: "boolean", description: "Preview: no side effects (exit code 2)" },
      force: { type: "boolean", description: "Bypass the task's lock" },
      async: { type: "boolean", description: "Start in the background and return a receipt" },
      audit: {
        type: "boolean",
        description: "Record what the task touched; report unused grants and a minimal declaration",
      },
      set: {
        type: "string",
        multiple: true,
        value: "key=value",
        description: "Override one config key for this run (repeatable)",
      },
      "denied-exit-code": {
        type: "string",
        value: "n",
        description:
          "Exit n (3-125) instead of 1 on permission_denied (Kubernetes podFailurePolicy)",
      },
      slot: {
        type: "string",
        value: "iso|auto",
        description: "Start for this schedule slot: recorded in the ledger, overlap policy applies",
      },
    },
    load: command("run"),
  },
  {
    name: "status",
    summary: "Show the last run of every task, of one task, or one run (--run-id)",
    args: [{ name: "task", required: false, description: "Task name" }],
    options: {
      "run-id": { type: "string", value: "id", description: "Show this run" },
    },
    load: command("status"),
  },
  {
    name: "occurrences",
    summary: "List a scheduled task's slots: ran, late, skipped, refused, missed or pending",
    args: [{ name: "task", required: true, description: "Task name (it needs a schedule)" }],
    options: {
      since: { type: "string", value: "iso", description: "Only slots at or after this time" },
      limit: { type: "string", value: "n", description: "How many slots (default 20, max 1000)" },
    },
    load: command("occurrences"),
  },
  {
    name: "scheduler",
    summary: "Run in the foreground, starting each scheduled task at its slots (no systemd)",
    args: [],
    options: {},
    load: command("scheduler"),
  },
  {
    name: "runs",
    summary: "List recent historical runs",
    args: [{ name: "task", required: false, description: "Only this task's runs" }],
    options: {
      limit: { type: "string", value: "n", description: "How many runs (default 20)" },
      host: {
        type: "string",
        value: "id",
        description: "Only runs of this host (a shared PostgreSQL history records hosts)",
      },
    },
    load: command("runs"),
  },
  {
    name: "prune",
    summary: "Remove finished runs beyond history.keep_runs/keep_days (rows, events, logs)",
    args: [],
    options: {
      "dry-run": { type: "boolean", description: "List what would be removed; remove nothing" },
      "keep-runs": {
        type: "string",
        value: "n",
        description: "Keep at most n finished runs per task (default: history.keep_runs)",
      },
      "keep-days": {
        type: "string",
        value: "days",
        description: "Remove runs that finished longer ago (default: history.keep_days)",
      },
    },
    load: command("prune"),
  },
  {
    name: "wait",
    summary: "Wait for a run to finish; prints its result and exits with its code",
    args: [{ name: "run_id", required: true, description: "Run id" }],
    options: {
      timeout: { type: "string", value: "seconds", description: "Give up after this long" },
    },
    load: command("wait"),
  },
  {
    name: "logs",
    summary: "Show a run's captured stdout/stderr (--follow until it finishes)",
    args: [{ name: "run_id", required: true, description: "Run id" }],
    options: {
      follow: { type: "boolean", short: "f", description: "Stream until the run finishes" },
      tail: { type: "string", value: "n", description: "Only the last n lines" },
    },
    load: command("logs"),
  },
  {
    name: "events",
    summary: "Show a run's structured events (--follow until it finishes)",
    args: [{ name: "run_id", required: true, description: "Run id" }],
    options: {
      follow: { type: "boolean", short: "f", description: "Stream until the run finishes" },
      from: { type: "string", value: "index", description: "Start at this event index" },
      limit: { type: "string", value: "n", description: "At most n events (default 10000)" },
    },
    load: command("events"),
  },
  {
    name: "cancel",
    summary: "Cancel a running task: SIGTERM its process group, SIGKILL after a grace period",
    args: [{ name: "run_id", required: true, description: "Run id" }],
    options: {
      grace: {
        type: "string",
        value: "seconds",
        description: "How long to wait before killing (default: kill_grace_seconds, 5)",
      },
    },
    load: command("cancel"),
  },
  {
    name: "__runner",
    summary: "Internal: performs an async run",
    args: [{ name: "run_id", required: true, description: "Run id" }],
    options: { audit: { type: "boolean", description: "Audit the run (run --audit --async)" } },
    hidden: true,
    load: command("runner"),
  },
  {
    name: "mcp",
    summary: "Serve docket's tasks and runs as MCP tools over stdio (for Claude Code, Cursor, …)",
    args: [],
    options: {
      "allow-destructive": {
        type: "boolean",
        description: "Let MCP clients run destructive tasks (dry runs are always allowed)",
      },
    },
    load: command("mcp"),
  },
  {
    name: "ui",
    summary: "Serve a web dashboard on 127.0.0.1: task health, durations, live runs",
    args: [],
    options: {
      port: { type: "string", value: "port", description: "Port (default 8737; 0: any free)" },
      bind: {
        type: "string",
        value: "addr",
        description: "Address to listen on (default 127.0.0.1; another exposes the dashboard)",
      },
      "read-only": { type: "boolean", description: "Refuse every action (run, dry run, cancel)" },
      "allow-destructive": {
        type: "boolean",
        description: "Allow real runs of destructive tasks, and cancelling runs started elsewhere",
      },
    },
    load: command("ui"),
  },
  {
    name: "doctor",
    summary: "Self-diagnostic: config, state DB, dirs, tasks, binaries",
    args: [],
    options: {},
    load: command("doctor"),
  },
  {
    name: "install",
    summary: "Write systemd units (or, --target kubernetes, CronJobs) for scheduled tasks",
    args: [{ name: "task", required: false, description: "Only this task (it needs a schedule)" }],
    options: {
      list: { type: "boolean", description: "Preview the units; write nothing" },
      user: { type: "boolean", description: "User units in ~/.config/systemd/user (default)" },
      system: { type: "boolean", description: "System units in /etc/systemd/system (root)" },
      dir: { type: "string", value: "dir", description: "Write the units to this folder" },
      enable: {
        type: "boolean",
        description: "Then run systemctl daemon-reload and enable --now the timers",
      },
      target: { type: "string", value: "target", description: "systemd (default) or kubernetes" },
      image: {
        type: "string",
        value: "image",
        description: "kubernetes: docket's image (default docket:<version>)",
      },
      namespace: {
        type: "string",
        value: "ns",
        description: 'kubernetes: the namespace (default "default")',
      },
      out: {
        type: "string",
        value: "dir|-",
        description: "kubernetes: write one file per task to dir, or - for stdout (default)",
      },
      cilium: {
        type: "boolean",
        description: "kubernetes: add a CiliumNetworkPolicy (toFQDNs) for declared host names",
      },
      secret: {
        type: "string",
        multiple: true,
        value: "task=name",
        description: "kubernetes: the Secret holding a task's required_env (default docket-<task>)",
      },
    },
    load: command("install"),
  },
  {
    name: "explain",
    summary: "Show what enforces each of a task's declarations on a target, and what does not",
    args: [{ name: "task", required: true, description: "Task name" }],
    options: {
      target: {
        type: "string",
        value: "target",
        description: "local (default), systemd or kubernetes",
      },
      cilium: { type: "boolean", description: "kubernetes: as with install --cilium" },
    },
    load: command("explain"),
  },
  {
    name: "configure",
    summary: "Edit the config in $VISUAL/$EDITOR, validated before it replaces the file",
    args: [],
    options: {
      validate: { type: "boolean", description: "Check the config and list every problem" },
    },
    load: command("configure"),
  },
  {
    name: "new-task",
    summary: "Scaffold a TypeScript task in tasks_dir that runs as is",
    args: [{ name: "name", required: true, description: "Task name: [a-z0-9][a-z0-9-]*" }],
    options: {
      description: { type: "string", value: "text", description: "The task's description" },
    },
    load: command("new_task"),
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
