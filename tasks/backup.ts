/**
 * Built-in task `backup`: mirrors a local directory to a destination with rclone (default) or
 * rsync, or wraps hbackup (`tool: hbackup`; the `hbackup` task is the first-class way).
 *
 * - rclone: `rclone sync SOURCE REMOTE` (see `lib/rclone.ts` for the flags). REMOTE becomes
 *   identical to SOURCE, deletions included (not when errors occurred); `excludes` are
 *   `--exclude` patterns, and excluded files at REMOTE are kept.
 * - rsync: `rsync -a --delete SOURCE/ REMOTE` (see `lib/rsync.ts`): the same mirror semantics.
 * - `--dry-run` runs the tool's own dry run (`rclone --dry-run`, `rsync --dry-run
 *   --itemize-changes`, `hbackup backup --dry-run`): nothing changes, the log shows what would.
 *
 * Exit codes map to outcomes as tabled in `lib/exit_codes.ts` (rsync 24 is a warning).
 * Grants: `exec` is only the tool the config selects; `network` is true only when SOURCE or
 * REMOTE names another host (the tool, not Deno code, uses it); `destructive` because a sync
 * deletes at the destination, with `writes` naming a local destination.
 *
 * @module
 */

import { defineTask, type TaskConfig, type TaskContext, type TaskGrants } from "../task.ts";
import {
  choice,
  ConfigValueError,
  expandForGrant,
  expandHome,
  homeDir,
  optNumber,
  optString,
  stringList,
  usesHome,
} from "./lib/config_read.ts";
import { TASK_LIB_DIR } from "./lib/own_code.ts";
import type { HbackupSettings } from "./lib/hbackup_cli.ts";
import { hbackupNeedsHome, runHbackup } from "./lib/hbackup_run.ts";
import { isRcloneRemote } from "./lib/rclone.ts";
import { isRsyncRemote } from "./lib/rsync.ts";
import { syncResult } from "./lib/sync_run.ts";
import { hbackupWrites } from "./lib/hbackup_writes.ts";

export const BACKUP_TOOLS = ["rclone", "rsync", "hbackup"] as const;
export type BackupTool = typeof BACKUP_TOOLS[number];

/** The `tool: hbackup` backend's settings (its keys, mapped onto the hbackup task's). */
export function backupHbackupSettings(config: TaskConfig): HbackupSettings {
  const s: HbackupSettings = {
    action: choice(config, "hbackup_command", ["backup", "auto"] as const, "backup"),
    bin: optString(config, "hbackup_bin") ?? "hbackup",
    excludes: stringList(config, "excludes"),
    drive: false,
    extraArgs: stringList(config, "extra_args"),
  };
  const output = optString(config, "output");
  if (output !== undefined) s.output = output;
  return s;
}

/** Grants for a config (evaluated by docket in the orchestrator, before the run). */
export function backupGrants(config: TaskConfig): Partial<TaskGrants> {
  let tool: BackupTool;
  try {
    tool = choice(config, "tool", BACKUP_TOOLS, "rclone");
  } catch {
    return { exec: [], network: false, destructive: false };
  }
  if (tool === "hbackup") {
    let s: HbackupSettings;
    try {
      s = backupHbackupSettings(config);
    } catch {
      return { exec: [], network: false, destructive: false };
    }
    const writes = hbackupWrites(s);
    return {
      exec: [expandForGrant(s.bin)],
      // `auto` uploads as configured in hbackup's own config file.
      network: s.action === "auto",
      destructive: writes.length > 0,
      ...(writes.length ? { writes } : {}),
      ...(hbackupNeedsHome(s) ? { sys: ["homedir"] } : {}),
    };
  }
  const source = typeof config.source === "string" ? config.source : "";
  const remote = typeof config.remote === "string" ? config.remote : "";
  const isRemote = tool === "rclone" ? isRcloneRemote : isRsyncRemote;
  const grants: Partial<TaskGrants> = {
    exec: [tool],
    network: isRemote(source) || isRemote(remote),
    destructive: true,
    writes: remote !== "" && !isRemote(remote) ? [expandForGrant(remote)] : [],
  };
  if (usesHome(source) || usesHome(remote)) grants.sys = ["homedir"];
  return grants;
}

async function runBackup(config: TaskConfig, ctx: TaskContext) {
  let tool: BackupTool;
  try {
    tool = choice(config, "tool", BACKUP_TOOLS, "rclone");
    if (tool === "hbackup") return await runHbackup(backupHbackupSettings(config), ctx);
    let source = optString(config, "source");
    let remote = optString(config, "remote");
    const missing = [source === undefined && "source", remote === undefined && "remote"]
      .filter((x) => x !== false);
    if (missing.length > 0 || source === undefined || remote === undefined) {
      throw new ConfigValueError(
        `${missing.map((k) => `"${k}"`).join(" and ")} required ` +
          `for tool "${tool}"`,
      );
    }
    for (const [key, value] of [["source", source], ["remote", remote]] as const) {
      if (value.startsWith("-")) throw new ConfigValueError(`"${key}" must not start with "-"`);
    }
    if (usesHome(source) || usesHome(remote)) {
      const home = await homeDir();
      source = expandHome(source, home);
      remote = expandHome(remote, home);
    }
    return await syncResult({
      tool,
      source,
      remote,
      excludes: stringList(config, "excludes"),
      extraArgs: stringList(config, "extra_args"),
      idleTimeoutSeconds: optNumber(config, "idle_timeout_seconds"),
    }, ctx);
  } catch (err) {
    if (!(err instanceof ConfigValueError)) throw err;
    return { ok: false, summary: `Invalid backup config: ${err.message}`, details: {} };
  }
}

const defaults = { tool: "rclone", idle_timeout_seconds: 1800 };

export default defineTask({
  name: "backup",
  description: "Sync a local directory to a remote with rclone or rsync (or run hbackup)",
  inputs: {
    source: "Local directory to back up",
    remote: "Destination: an rclone remote (name:path), an rsync target, or a local path",
    tool: "rclone (default), rsync, or hbackup",
    extra_args: "Additional arguments for the backup tool",
    excludes: "Patterns to exclude (rclone/rsync --exclude, hbackup -x)",
    idle_timeout_seconds: "Kill the run when the tool prints nothing for this long (0/null: off)",
    hbackup_bin: "hbackup binary (tool: hbackup)",
    hbackup_command: "backup or auto (tool: hbackup)",
    output: "Archive path (tool: hbackup)",
  },
  outputs: {
    files_transferred: "Files copied (rclone/rsync)",
    bytes_transferred: "Bytes of file data copied (rclone/rsync)",
    errors: "Errors the tool reported",
    exit_code: "The tool's exit code",
    warnings: "Non-fatal problems (e.g. rsync exit 24: files vanished)",
    archive_path: "Archive written (tool: hbackup)",
  },
  defaults,
  reads: [TASK_LIB_DIR],
  ...backupGrants(defaults),
  grantsFor: backupGrants,
  run: runBackup,
  dryRun: runBackup,
});
