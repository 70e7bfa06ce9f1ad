/**
 * Run, dry run and cancel from the dashboard: the same gate as MCP (src/mcp/policy.ts) — a
 * destructive task's real run and the cancel of a run this server did not start need
 * `docket ui --allow-destructive` — and the same admission as `docket run --async`.
 */
import { DocketError } from "../core/errors.ts";
import { callCommand, freshConfig } from "../mcp/invoke.ts";
import { taskPolicy } from "../mcp/policy.ts";
import { lazy } from "../core/lazy.ts";

export interface ActionOptions {
  allowDestructive: boolean;
  /** Runs this server started (it may cancel them without --allow-destructive). */
  started: Set<string>;
}

export async function startRun(name: string, dryRun: boolean, o: ActionOptions) {
  const [{ findTask }, { startAsync }, { configSha256 }] = await Promise.all([
    lazy<typeof import("../registry/registry.ts")>("../registry/registry.ts", import.meta.url),
    lazy<typeof import("../runs/async.ts")>("../runs/async.ts", import.meta.url),
    lazy<typeof import("../runs/admission.ts")>("../runs/admission.ts", import.meta.url),
  ]);
  const configHash = await configSha256(); // before the config is read: a later edit is refused
  const cfg = await freshConfig();
  const task = await findTask(cfg, name);
  if (!dryRun && !o.allowDestructive && taskPolicy(task).destructive) {
    throw new DocketError(
      "permission_denied",
      `Cannot run destructive task "${task.name}" from docket ui: it was started without --allow-destructive`,
      {
        hint: "Start it with `docket ui --allow-destructive`, or use Dry run",
        details: { task: task.name, destructive: true },
      },
    );
  }
  const receipt = await startAsync({
    cfg,
    task,
    dryRun,
    force: false,
    overrides: {},
    configSha256: configHash,
  });
  o.started.add(receipt.run_id);
  return receipt;
}

export async function cancelRun(runId: string, o: ActionOptions, signal: AbortSignal) {
  if (!o.allowDestructive && !o.started.has(runId)) {
    throw new DocketError(
      "permission_denied",
      `Cannot cancel run "${runId}" from docket ui: this server did not start it, and it was ` +
        "started without --allow-destructive",
      {
        hint:
          "Cancel it with `docket cancel` from a shell, or start `docket ui --allow-destructive`",
        details: { run_id: runId },
      },
    );
  }
  return await callCommand("cancel", { args: [runId], signal });
}
