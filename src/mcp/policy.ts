/**
 * What the MCP server may promise about tasks, derived from what docket enforces (the task's
 * grants and whether Deno's sandbox applies), never from a task's self-description. Pure.
 */
import { DocketError } from "../core/errors.ts";
import type { TaskInfo } from "../registry/registry.ts";
import type { taskJson } from "../commands/common.ts";
import { TASK_API_FILES } from "../sandbox/permissions.ts";

export type PolicyTask = Pick<TaskInfo, "name" | "source" | "grants" | "loadError">;

export interface TaskPolicy {
  /** Writes outside its scratch dir (grants.destructive): needs `docket mcp --allow-destructive`. */
  destructive: boolean;
  /** Declares network access (any host or a list). */
  network: boolean;
  /** Docket cannot enforce its declarations: a command task, or a TS task that execs programs. */
  advisory: boolean;
  /**
   * Safe to approve without asking: the task can reach no secret and no data beyond its own
   * module and scratch dir (no `reads`, no `required_env`, no `sys`, no `exec`), cannot write
   * outside scratch (not destructive), has no network, and Deno enforces all of it (not a
   * command task, loads cleanly). An allow-list: a grant not named here makes it false.
   */
  auto_approvable: boolean;
}

const nonEmpty = (xs: readonly unknown[] | undefined) => (xs ?? []).length > 0;

export function taskPolicy(t: PolicyTask): TaskPolicy {
  const g = t.grants;
  const network = Array.isArray(g.network) ? g.network.length > 0 : g.network === true;
  const destructive = g.destructive === true;
  const advisory = t.source === "command" || nonEmpty(g.exec);
  const reachesData = nonEmpty(g.reads) || nonEmpty(g.required_env) || nonEmpty(g.sys);
  return {
    destructive,
    network,
    advisory,
    auto_approvable: !network && !destructive && !advisory && !reachesData &&
      !nonEmpty(g.writes) && t.loadError === null,
  };
}

/**
 * The policy view of a task as `capabilities`/`describe` print it: from the sandbox spec that
 * runs (`permissions`), so what is judged safe is what is enforced. `reads` are the read
 * grants beyond the module (first), docket's task API files and the scratch dir.
 */
export function policyFromJson(t: ReturnType<typeof taskJson>): PolicyTask {
  const p = t.permissions;
  const base = new Set<string>([...TASK_API_FILES, "<scratch>"]);
  const reads = t.source === "command" ? [] : p.read.slice(1).filter((r) => !base.has(r));
  return {
    name: t.name,
    source: t.source,
    loadError: t.load_error,
    grants: {
      network: t.network,
      destructive: t.destructive,
      exec: p.run,
      reads,
      required_env: t.required_env,
      sys: p.sys,
      ...(Array.isArray(p.write) ? { writes: p.write.filter((w) => w !== "<scratch>") } : {}),
    },
  };
}

/**
 * The per-task block `list_tasks` and `describe_task` add under `mcp`. `refused`: the run
 * would be refused whatever the server allows (its grants reach docket's own files).
 */
export function mcpBlock(t: PolicyTask, allowDestructive: boolean, refused = false) {
  const p = taskPolicy(t);
  return {
    auto_approvable: p.auto_approvable && !refused,
    allowed: !refused && (!p.destructive || allowDestructive),
    enforcement: p.advisory ? "advisory" : "deno",
  };
}

export interface RunAnnotations {
  readOnlyHint: false;
  destructiveHint: boolean;
  idempotentHint: false;
  openWorldHint: boolean;
}

/**
 * Annotations for `run_task`/`start_task`: one tool runs every task, so a hint is true when it
 * holds for any task. With no task list (config failed to load) assume the worst.
 */
export function runAnnotations(tasks: PolicyTask[] | null): RunAnnotations {
  const ps = tasks?.map(taskPolicy);
  return {
    readOnlyHint: false,
    destructiveHint: ps ? ps.some((p) => p.destructive) : true,
    idempotentHint: false,
    openWorldHint: ps ? ps.some((p) => p.network || p.advisory) : true,
  };
}

function names(tasks: PolicyTask[], pick: (p: TaskPolicy) => boolean): string {
  const n = tasks.filter((t) => pick(taskPolicy(t))).map((t) => t.name).sort();
  return n.length ? n.join(", ") : "none";
}

/** The task lines appended to `run_task`'s and `start_task`'s descriptions at server start. */
export function taskSummary(
  tasks: PolicyTask[] | null,
  o: { allowDestructive: boolean; loadError?: string },
): string {
  if (!tasks) {
    return `Tasks could not be listed at server start (${o.loadError ?? "unknown error"}); ` +
      "call list_tasks.";
  }
  return [
    `Tasks at server start (list_tasks is current):`,
    `- destructive (write outside their scratch dir): ${names(tasks, (p) => p.destructive)}` +
    (o.allowDestructive
      ? " — allowed (server started with --allow-destructive)"
      : " — refused unless dry_run (server started without --allow-destructive)"),
    `- network: ${names(tasks, (p) => p.network)}`,
    `- advisory sandbox (command tasks or exec: docket cannot enforce their declarations): ${
      names(tasks, (p) => p.advisory)
    }`,
    `- auto-approvable (Deno-enforced; no network, reads, required_env, sys, exec or writes): ${
      names(tasks, (p) => p.auto_approvable)
    }`,
  ].join("\n");
}

/**
 * Stopping a run is as consequential as a destructive one (a backup cut off halfway): allowed
 * for runs this server started, or when it was started with --allow-destructive.
 */
export function assertCancelAllowed(
  runId: string,
  o: { allowDestructive: boolean; started: ReadonlySet<string> },
): void {
  if (o.allowDestructive || o.started.has(runId)) return;
  throw new DocketError(
    "permission_denied",
    `Cannot cancel run "${runId}" through MCP: this server did not start it, and it was ` +
      "started without --allow-destructive",
    {
      hint: "Cancel it with `docket cancel` from a shell, or start the server with " +
        "--allow-destructive (docket mcp --allow-destructive)",
      details: { run_id: runId },
    },
  );
}

/** Refuses a real run of a destructive task unless the server was started to allow it. */
export function assertRunAllowed(
  t: PolicyTask,
  o: { allowDestructive: boolean; dryRun: boolean },
): void {
  if (o.dryRun || o.allowDestructive || !taskPolicy(t).destructive) return;
  throw new DocketError(
    "permission_denied",
    `Cannot run destructive task "${t.name}" through MCP: the server was started without --allow-destructive`,
    {
      hint: 'Add "--allow-destructive" to the server\'s args in the MCP client config ' +
        "(docket mcp --allow-destructive) and restart it, or preview with dry_run: true",
      details: { task: t.name, destructive: true },
    },
  );
}
