/**
 * Runs an hbackup plan and turns what hbackup printed into a TaskResult. Shared by the
 * `hbackup` task and the `backup` task's `tool: hbackup` backend.
 *
 * @module
 */

import type { TaskContext, TaskResult } from "../../task.ts";
import { expandForGrant, expandHome, homeDir, usesHome } from "./config_read.ts";
import { classifyExit } from "./exit_codes.ts";
import {
  countWarnings,
  defaultArchivePath,
  type HbackupPlan,
  type HbackupSettings,
  type HbackupStep,
  needsGeneratedOutput,
  parseBackupComplete,
  parseDryRunCount,
  parseError,
  parseList,
  parseUpload,
  planHbackup,
  settingsProblems,
} from "./hbackup_cli.ts";
import { formatArgv, runTool, ToolMissingError, type ToolRun } from "./tool_process.ts";

/**
 * What hbackup changes outside the run's scratch dir, as grants: every action but `list`
 * writes (`backup`/`auto` an archive, `upload` a copy at the destination, `setup-drive`
 * hbackup's own config), so it is destructive; `writes` names the archive's folder when it
 * is local and known (`output`, or the `~/backups` docket chooses). hbackup runs outside
 * Deno's sandbox (`exec`), so these are declarations the MCP gate and `capabilities` act on.
 */
export function hbackupWrites(s: HbackupSettings): { destructive: boolean; writes?: string[] } {
  if (s.action === "list") return { destructive: false };
  const backupLike = s.action === "backup" || s.action === "auto";
  if (!backupLike) return { destructive: true, writes: [] };
  const out = s.output ?? "~/backups/archive";
  const dir = out.includes("/") ? out.slice(0, out.lastIndexOf("/")) || "/" : ".";
  return { destructive: true, writes: [expandForGrant(dir)] };
}

/** Whether these settings need the home directory (the `sys: ["homedir"]` grant). */
export function hbackupNeedsHome(s: HbackupSettings): boolean {
  return needsGeneratedOutput(s) || usesHome(s.bin) || usesHome(s.output) ||
    usesHome(s.archive);
}

async function expand(
  s: HbackupSettings,
  now: Date,
): Promise<[HbackupSettings, string | undefined]> {
  if (!hbackupNeedsHome(s)) return [s, undefined];
  const home = await homeDir();
  const out: HbackupSettings = { ...s, bin: expandHome(s.bin, home) };
  if (s.output !== undefined) out.output = expandHome(s.output, home);
  if (s.archive !== undefined) out.archive = expandHome(s.archive, home);
  return [out, needsGeneratedOutput(s) ? defaultArchivePath(home, now) : undefined];
}

interface StepRecord {
  role: HbackupStep["role"];
  command: string[];
  executed: boolean;
  exit_code?: number | null;
  exit_meaning?: string;
}

/** Runs `settings` (unexpanded, as configured) and reports the outcome. */
export async function runHbackup(
  settings: HbackupSettings,
  ctx: TaskContext,
  now: Date = new Date(),
): Promise<TaskResult> {
  const problems = settingsProblems(settings);
  if (problems.length > 0) {
    return {
      ok: false,
      summary: `Invalid hbackup config: ${problems.join("; ")}`,
      details: { action: settings.action, problems },
    };
  }
  const [s, generated] = await expand(settings, now);
  const plan = planHbackup(
    s,
    generated === undefined
      ? { dryRun: ctx.dryRun }
      : { dryRun: ctx.dryRun, generatedOutput: generated },
  );
  const records: StepRecord[] = [];
  const runs = new Map<HbackupStep["role"], ToolRun>();
  for (const step of plan.steps) {
    const argv = [s.bin, ...step.args];
    const record: StepRecord = { role: step.role, command: argv, executed: step.execute };
    records.push(record);
    if (!step.execute) continue;
    await log(`$ ${formatArgv(argv)}`);
    let run: ToolRun;
    try {
      run = await runTool({ cmd: s.bin, args: step.args, signal: ctx.signal });
    } catch (err) {
      if (!(err instanceof ToolMissingError)) throw err;
      return {
        ok: false,
        summary: `${err.message} (hbackup_bin: "${s.bin}")`,
        details: { action: s.action, dry_run: ctx.dryRun, steps: records, error: err.message },
      };
    }
    runs.set(step.role, run);
    const info = classifyExit("hbackup", run.code, run.signal);
    record.exit_code = run.code;
    record.exit_meaning = info.meaning;
    if (info.outcome === "failed") {
      const reason = parseError(run.stderrTail) ?? info.meaning;
      return {
        ok: false,
        summary: `hbackup ${step.args[0]} failed (exit ${run.code ?? run.signal}: ${reason})`,
        details: {
          action: s.action,
          dry_run: ctx.dryRun,
          composed: plan.composed,
          steps: records,
          error: reason,
          retryable: info.retryable,
          ...(plan.archivePath !== undefined && !ctx.dryRun
            ? { partial_archive_path: plan.archivePath }
            : {}),
        },
      };
    }
  }
  return describe(s, plan, records, runs, ctx.dryRun);
}

async function log(line: string): Promise<void> {
  await Deno.stderr.write(new TextEncoder().encode(`[docket] ${line}\n`));
}

function describe(
  s: HbackupSettings,
  plan: HbackupPlan,
  steps: StepRecord[],
  runs: Map<HbackupStep["role"], ToolRun>,
  dryRun: boolean,
): TaskResult {
  const details: Record<string, unknown> = {
    action: s.action,
    dry_run: dryRun,
    composed: plan.composed,
    steps,
  };
  const pending = steps.filter((st) => !st.executed).map((st) => `\`${formatArgv(st.command)}\``);
  const backupRun = runs.get("backup") ?? runs.get("auto");
  const warnings: string[] = [];
  let summary: string;

  if (dryRun && (s.action === "backup" || s.action === "auto")) {
    const count = backupRun ? parseDryRunCount(backupRun.stderrTail) : undefined;
    if (count !== undefined) details.would_archive_files = count;
    if (plan.archivePath !== undefined) details.planned_archive_path = plan.archivePath;
    const files = count === undefined ? "files" : `${count} files`;
    const where = plan.archivePath !== undefined ? ` to ${plan.archivePath}` : "";
    summary = `Dry run: ${files} would be archived${where}`;
    if (plan.composed) {
      summary += `, then ${pending.join(", ")} would upload it ` +
        `(auto takes no options, so docket runs backup then upload)`;
    } else if (s.action === "auto") {
      summary += `; then ${pending.join(", ")} would back up and upload as configured in ` +
        `~/.config/hbackup/config.toml (auto has no dry run)`;
    }
    return { ok: true, summary, details };
  }

  switch (s.action) {
    case "backup":
    case "auto": {
      const done = backupRun ? parseBackupComplete(backupRun.stderrTail) : undefined;
      const archive = done?.path ?? plan.archivePath;
      if (archive !== undefined) details.archive_path = archive;
      if (done) Object.assign(details, { files: done.files, size: done.size });
      const n = backupRun ? countWarnings(backupRun.stderrTail) : 0;
      if (n > 0) warnings.push(`${n} file warning${n === 1 ? "" : "s"} (see the log)`);
      summary = done
        ? `Backed up ${done.files} files (${done.size}) to ${done.path}`
        : `hbackup ${s.action} finished${archive !== undefined ? `: ${archive}` : ""}`;
      if (s.action === "auto") {
        const up = parseUpload((runs.get("upload") ?? backupRun)?.stderrTail ?? "");
        details.uploaded = up.uploaded;
        if (up.skipped !== undefined) {
          details.upload_skipped = up.skipped;
          warnings.push(`upload skipped: ${up.skipped}`);
        } else if (up.uploaded) {
          summary += ` and uploaded it${uploadTarget(s)}`;
        }
      }
      break;
    }
    case "list": {
      const listRun = runs.get("list");
      const backups = parseList(listRun?.stdoutTail ?? "");
      details.backups = backups;
      details.count = backups.length;
      summary = backups.length === 0
        ? "No backups found in ~/backups"
        : `${backups.length} backup${backups.length === 1 ? "" : "s"} in ~/backups, newest ${
          backups.at(-1)!.name
        }`;
      if (dryRun) summary += " (list is read-only, so the dry run ran it)";
      break;
    }
    case "upload": {
      details.archive_path = plan.archivePath;
      if (dryRun) {
        summary = `Dry run: would run ${pending.join(", ")} (hbackup upload has no dry run)`;
        break;
      }
      const up = parseUpload(runs.get("upload")?.stderrTail ?? "");
      details.uploaded = up.uploaded;
      summary = `Uploaded ${plan.archivePath}${uploadTarget(s)}`;
      break;
    }
    case "setup-drive":
      summary = dryRun
        ? `Dry run: would run ${pending.join(", ")} (prints the Google Drive setup guide)`
        : "Printed hbackup's Google Drive setup guide (see the log)";
      break;
  }
  if (warnings.length > 0) {
    details.warnings = warnings;
    summary += ` (warning: ${warnings.join("; ")})`;
  }
  return { ok: true, summary, details };
}

function uploadTarget(s: HbackupSettings): string {
  if (s.drive) {
    return ` to Google Drive (${s.driveRemote ?? "gdrive"}:${s.driveFolder ?? ""})`;
  }
  return s.destination !== undefined ? ` to ${s.destination}` : "";
}
