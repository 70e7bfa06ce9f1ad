/**
 * Built-in task `hbackup`: first-class integration of hbackup, the Hermes/OpenClaw backup CLI.
 *
 * `action` picks what runs (mapping and the `auto` composition in `lib/hbackup_cli.ts`); the
 * archive path lands in `details.archive_path`. Dry runs: `backup` and `auto` really run
 * `hbackup backup --dry-run` (the files that would be archived); `list` is read-only and runs;
 * `upload` and `setup-drive` have no dry run in hbackup and are only described.
 *
 * Grants: `exec` is exactly `hbackup_bin`; `network` only for `upload` and `auto`; `backup`
 * and `auto` write the archive's folder (`destructive`, `writes`); `sys:
 * ["homedir"]` only when docket must choose the archive path or expand `~`. hbackup itself
 * runs outside Deno's sandbox and sees only the cleared environment (HOME is all it needs).
 *
 * @module
 */

import { defineTask, type TaskConfig, type TaskContext, type TaskGrants } from "../task.ts";
import {
  choice,
  ConfigValueError,
  expandForGrant,
  optBool,
  optString,
  stringList,
} from "./lib/config_read.ts";
import { TASK_LIB_DIR } from "./lib/own_code.ts";
import { HBACKUP_ACTIONS, type HbackupSettings } from "./lib/hbackup_cli.ts";
import { hbackupNeedsHome, runHbackup } from "./lib/hbackup_run.ts";
import { hbackupWrites } from "./lib/hbackup_writes.ts";

const OPTIONAL_KEYS = [
  ["output", "output"],
  ["archive", "archive"],
  ["destination", "destination"],
  ["drive_remote", "driveRemote"],
  ["drive_folder", "driveFolder"],
] as const;

/** Reads the task's config into hbackup settings (throws ConfigValueError on a bad value). */
export function hbackupSettings(config: TaskConfig): HbackupSettings {
  const s: HbackupSettings = {
    action: choice(config, "action", HBACKUP_ACTIONS, "auto"),
    bin: optString(config, "hbackup_bin") ?? "hbackup",
    excludes: stringList(config, "excludes"),
    drive: optBool(config, "drive") ?? false,
    extraArgs: stringList(config, "extra_args"),
  };
  for (const [key, field] of OPTIONAL_KEYS) {
    const v = optString(config, key);
    if (v !== undefined) s[field] = v;
  }
  return s;
}

/** Grants for a config (evaluated by docket in the orchestrator, before the run). */
export function hbackupGrants(config: TaskConfig): Partial<TaskGrants> {
  let s: HbackupSettings;
  try {
    s = hbackupSettings(config);
  } catch {
    return { exec: [], network: false };
  }
  const writes = hbackupWrites(s);
  return {
    exec: [expandForGrant(s.bin)],
    network: s.action === "upload" || s.action === "auto",
    // It writes an archive: only into its folder (the OS sandbox holds hbackup to it).
    destructive: writes.length > 0,
    ...(writes.length ? { writes } : {}),
    ...(hbackupNeedsHome(s) ? { sys: ["homedir"] } : {}),
  };
}

async function run(config: TaskConfig, ctx: TaskContext) {
  let settings: HbackupSettings;
  try {
    settings = hbackupSettings(config);
  } catch (err) {
    if (!(err instanceof ConfigValueError)) throw err;
    return { ok: false, summary: `Invalid hbackup config: ${err.message}`, details: {} };
  }
  return await runHbackup(settings, ctx);
}

const defaults = { action: "auto", hbackup_bin: "hbackup", idle_timeout_seconds: 1800 };

export default defineTask({
  name: "hbackup",
  description: "Back up Hermes/OpenClaw state with hbackup",
  inputs: {
    action: "hbackup action: backup, auto, list, upload, or setup-drive",
    hbackup_bin: "hbackup binary path or command name",
    output:
      "Archive path for backup/auto (default ~/backups/hermes-openclaw-backup-<time>.tar.zst)",
    excludes: "Substrings of paths to leave out (hbackup -x), backup/auto",
    archive: "Archive to upload (upload)",
    destination: "scp/rsync target, e.g. user@host:/backups/ (upload, auto)",
    drive: "Upload to Google Drive through rclone (upload, auto)",
    drive_remote: "rclone remote for Google Drive (with drive: true; hbackup default gdrive)",
    drive_folder: "Folder on the Drive remote (with drive: true)",
    extra_args: "Arguments appended to the hbackup command (not for auto)",
    idle_timeout_seconds: "Kill the run when hbackup prints nothing for this long (0/null: off)",
  },
  outputs: {
    archive_path: "Archive path reported by hbackup",
    files: "Files archived",
    size: "Archive size as hbackup prints it (e.g. 12.3 MB)",
    uploaded: "Whether an upload completed (auto, upload)",
    backups: "Backups found by list: [{size, name}]",
    warnings: "Non-fatal problems (per-file warnings, skipped upload)",
  },
  defaults,
  reads: [TASK_LIB_DIR],
  ...hbackupGrants(defaults),
  grantsFor: hbackupGrants,
  run,
  dryRun: run,
});
