/**
 * Runs rclone or rsync for the `backup` task and turns the outcome into a TaskResult.
 *
 * @module
 */

import type { TaskContext, TaskResult } from "../../task.ts";
import { classifyExit } from "./exit_codes.ts";
import { formatBytes } from "./format.ts";
import { parseRcloneOutput, rcloneArgs, statsSecondsFor } from "./rclone.ts";
import { parseRsyncStats, rsyncArgs, RsyncDiagnostics } from "./rsync.ts";
import { formatArgv, runTool, ToolMissingError, type ToolRun } from "./tool_process.ts";

export interface SyncInput {
  tool: "rclone" | "rsync";
  /** Expanded paths (no `~`). */
  source: string;
  remote: string;
  excludes: string[];
  extraArgs: string[];
  idleTimeoutSeconds: number | undefined;
}

/** Runs the sync (or the tool's dry run when `ctx.dryRun`) and reports it. */
export async function syncResult(input: SyncInput, ctx: TaskContext): Promise<TaskResult> {
  const { tool, source, remote } = input;
  const args = tool === "rclone"
    ? rcloneArgs({
      ...input,
      dryRun: ctx.dryRun,
      statsSeconds: statsSecondsFor(input.idleTimeoutSeconds),
    })
    : rsyncArgs({ ...input, dryRun: ctx.dryRun });
  const argv = [tool, ...args];
  const diag = new RsyncDiagnostics();
  await Deno.stderr.write(new TextEncoder().encode(`[docket] $ ${formatArgv(argv)}\n`));
  let run: ToolRun;
  try {
    run = await runTool({
      cmd: tool,
      args,
      signal: ctx.signal,
      ...(tool === "rsync" ? { onLine: (s, l) => diag.line(s, l) } : {}),
    });
  } catch (err) {
    if (!(err instanceof ToolMissingError)) throw err;
    return {
      ok: false,
      summary: err.message,
      details: { tool, source, remote, dry_run: ctx.dryRun, command: argv, error: err.message },
    };
  }
  const info = classifyExit(tool, run.code, run.signal);
  const details: Record<string, unknown> = {
    tool,
    source,
    remote,
    dry_run: ctx.dryRun,
    command: argv,
    exit_code: run.code,
    exit_meaning: info.meaning,
    duration_ms: run.durationMs,
  };
  if (run.signal !== null) details.signal = run.signal;
  const warnings: string[] = [];
  let reason: string | undefined;

  if (tool === "rclone") {
    const out = parseRcloneOutput(run.stderrTail);
    if (out.stats) {
      Object.assign(details, out.stats);
    } else {
      Object.assign(details, { files_transferred: 0, bytes_transferred: 0, errors: 0 });
    }
    if (out.error_messages.length > 0) details.error_messages = out.error_messages;
    reason = out.fatal ?? out.stats?.last_error ?? out.error_messages.at(-1);
  } else {
    const stats = parseRsyncStats(run.stdoutTail);
    Object.assign(
      details,
      stats ?? { files_transferred: 0, bytes_transferred: 0 },
      { errors: diag.errors },
    );
    if (diag.error_messages.length > 0) details.error_messages = diag.error_messages;
    if (diag.vanished > 0) {
      details.vanished_files = diag.vanished;
      warnings.push(`${diag.vanished} source file(s) vanished during the transfer`);
    }
    reason = diag.error_messages.at(-1) ?? diag.final_error;
  }
  if (info.outcome === "warning") {
    warnings.push(`${tool} exit ${run.code}: ${info.meaning}`);
  }
  if (warnings.length > 0) details.warnings = [...new Set(warnings)];

  if (info.outcome === "failed") {
    details.retryable = info.retryable;
    const how = run.code === null ? `ended by ${run.signal}` : `exit ${run.code}: ${info.meaning}`;
    return {
      ok: false,
      summary: `${tool} ${ctx.dryRun ? "dry run " : ""}failed (${how})` +
        (reason !== undefined ? `: ${reason}` : ""),
      details,
    };
  }
  return { ok: true, summary: successSummary(input, details, ctx.dryRun), details };
}

function successSummary(
  input: SyncInput,
  d: Record<string, unknown>,
  dryRun: boolean,
): string {
  const files = Number(d.files_transferred ?? 0);
  const bytes = formatBytes(Number(d.bytes_transferred ?? 0));
  const deleted = Number(d.deletes ?? d.files_deleted ?? 0);
  const what = `${files} file${files === 1 ? "" : "s"} (${bytes})` +
    (deleted > 0 ? `, ${deleted} deletion${deleted === 1 ? "" : "s"}` : "");
  let s = dryRun
    ? `Dry run: ${input.tool} would transfer ${what} from ${input.source} to ${input.remote}`
    : `Synced ${input.source} to ${input.remote} with ${input.tool}: ${what} transferred`;
  const warnings = d.warnings as string[] | undefined;
  if (warnings?.length) s += ` (warning: ${warnings.join("; ")})`;
  return s;
}
