/**
 * hbackup's command line, as docket drives it: settings → the steps to run, and parsers of
 * the human text hbackup prints (it has no machine-readable output).
 *
 * Mapping (hbackup 0.1.0; argv = `[hbackup_bin, sub, …flags, …positionals, …extra_args]`):
 *
 * | action        | runs                                                                     |
 * |---------------|--------------------------------------------------------------------------|
 * | `backup`      | `backup [--dry-run] -o OUTPUT [-x EXCLUDE]… [extra_args…]`                |
 * | `auto`        | `auto` — it takes no options; its dry run previews `backup --dry-run`     |
 * | `auto` + keys | `backup -o OUTPUT [-x …]` then `upload [--drive …] OUTPUT [DESTINATION]`  |
 * | `list`        | `list [extra_args…]` (read-only: also run by a dry run)                  |
 * | `upload`      | `upload [--drive [--drive-remote R] [--drive-folder F]] ARCHIVE [DEST]`   |
 * | `setup-drive` | `setup drive [extra_args…]` (hbackup has no `setup-drive` subcommand)    |
 *
 * "auto + keys": `auto` cannot receive `output`, `excludes`, `destination` or `drive*`, so
 * when any is set docket runs the two steps itself, and fails the run when the upload fails
 * (where `auto` would exit 0 after skipping an unconfigured upload). When `output` is unset,
 * docket chooses `~/backups/hermes-openclaw-backup-YYYYmmdd-HHMMSS.tar.zst` (local time, the
 * name and place `hbackup list` looks for) and passes it with `-o`, so it knows the archive
 * path without depending on the `Backup complete:` line.
 *
 * @module
 */

export const HBACKUP_ACTIONS = ["backup", "auto", "list", "upload", "setup-drive"] as const;
export type HbackupAction = typeof HBACKUP_ACTIONS[number];

export interface HbackupSettings {
  action: HbackupAction;
  bin: string;
  output?: string;
  excludes: string[];
  archive?: string;
  destination?: string;
  drive: boolean;
  driveRemote?: string;
  driveFolder?: string;
  extraArgs: string[];
}

export type StepRole = "backup" | "upload" | "auto" | "list" | "setup";

export interface HbackupStep {
  role: StepRole;
  /** argv after the binary. */
  args: string[];
  /** False in a dry run for a step hbackup cannot preview: it is only described. */
  execute: boolean;
}

export interface HbackupPlan {
  steps: HbackupStep[];
  /** `auto` split into `backup` + `upload` because options were set. */
  composed: boolean;
  /** The archive path when docket chose it (`-o`). */
  archivePath: string | undefined;
}

/** `auto` with any key it cannot receive: docket runs backup + upload itself. */
export function isComposedAuto(s: HbackupSettings): boolean {
  return s.action === "auto" && (s.output !== undefined || s.excludes.length > 0 ||
    s.destination !== undefined || s.drive || s.driveRemote !== undefined ||
    s.driveFolder !== undefined);
}

/** Whether docket must choose the archive path (a backup step without `output`). */
export function needsGeneratedOutput(s: HbackupSettings): boolean {
  return (s.action === "backup" || isComposedAuto(s)) && s.output === undefined;
}

/**
 * Keys that do not apply to the action. The same rules are in the zod schema; the task checks
 * them again because it can be run without docket's config layer (and tests do).
 */
export function settingsProblems(s: HbackupSettings): string[] {
  const out: string[] = [];
  const backupLike = s.action === "backup" || s.action === "auto";
  const uploadLike = s.action === "upload" || s.action === "auto";
  if (!backupLike && s.output !== undefined) out.push(`"output" applies only to backup and auto`);
  if (!backupLike && s.excludes.length > 0) {
    out.push(`"excludes" applies only to backup and auto`);
  }
  if (s.action === "upload" && s.archive === undefined) {
    out.push(`"archive" is required for action "upload"`);
  }
  if (s.action !== "upload" && s.archive !== undefined) {
    out.push(`"archive" applies only to upload`);
  }
  if (!uploadLike) {
    for (const [key, set] of [["destination", s.destination !== undefined], ["drive", s.drive]]) {
      if (set) out.push(`"${key}" applies only to upload and auto`);
    }
  }
  if (!s.drive && s.driveRemote !== undefined) out.push(`"drive_remote" requires "drive: true"`);
  if (!s.drive && s.driveFolder !== undefined) out.push(`"drive_folder" requires "drive: true"`);
  if (s.drive && s.destination !== undefined) {
    out.push(`"destination" cannot be combined with "drive: true" (hbackup ignores it)`);
  }
  if (s.action === "auto" && s.extraArgs.length > 0) {
    out.push(`"extra_args" cannot be passed to auto (it takes no arguments)`);
  }
  return out;
}

function backupArgs(s: HbackupSettings, output: string, dryRun: boolean, extra: boolean) {
  return [
    "backup",
    ...(dryRun ? ["--dry-run"] : []),
    "-o",
    output,
    ...s.excludes.flatMap((x) => ["-x", x]),
    ...(extra ? s.extraArgs : []),
  ];
}

function uploadArgs(s: HbackupSettings, archive: string, extra: boolean): string[] {
  return [
    "upload",
    ...(s.drive ? ["--drive"] : []),
    ...(s.driveRemote !== undefined ? ["--drive-remote", s.driveRemote] : []),
    ...(s.driveFolder !== undefined ? ["--drive-folder", s.driveFolder] : []),
    archive,
    ...(s.destination !== undefined && !s.drive ? [s.destination] : []),
    ...(extra ? s.extraArgs : []),
  ];
}

/**
 * The steps for `s`. `generatedOutput` is the path docket chose when
 * {@link needsGeneratedOutput} is true.
 */
export function planHbackup(
  s: HbackupSettings,
  opts: { dryRun: boolean; generatedOutput?: string },
): HbackupPlan {
  const { dryRun } = opts;
  const output = s.output ?? opts.generatedOutput;
  switch (s.action) {
    case "backup":
      return {
        steps: [{ role: "backup", args: backupArgs(s, need(output), dryRun, true), execute: true }],
        composed: false,
        archivePath: output,
      };
    case "auto": {
      if (isComposedAuto(s)) {
        const out = need(output);
        return {
          steps: [
            { role: "backup", args: backupArgs(s, out, dryRun, false), execute: true },
            { role: "upload", args: uploadArgs(s, out, false), execute: !dryRun },
          ],
          composed: true,
          archivePath: out,
        };
      }
      const steps: HbackupStep[] = dryRun
        ? [{ role: "backup", args: ["backup", "--dry-run"], execute: true }]
        : [];
      steps.push({ role: "auto", args: ["auto", ...s.extraArgs], execute: !dryRun });
      return { steps, composed: false, archivePath: undefined };
    }
    case "list":
      return {
        steps: [{ role: "list", args: ["list", ...s.extraArgs], execute: true }],
        composed: false,
        archivePath: undefined,
      };
    case "upload":
      return {
        steps: [{ role: "upload", args: uploadArgs(s, need(s.archive), true), execute: !dryRun }],
        composed: false,
        archivePath: s.archive,
      };
    case "setup-drive":
      return {
        steps: [{ role: "setup", args: ["setup", "drive", ...s.extraArgs], execute: !dryRun }],
        composed: false,
        archivePath: undefined,
      };
  }
}

function need(path: string | undefined): string {
  if (path === undefined) throw new Error("hbackup plan needs an archive path");
  return path;
}

const pad = (n: number) => String(n).padStart(2, "0");

/** `HOME/backups/hermes-openclaw-backup-YYYYmmdd-HHMMSS.tar.zst`, in local time like hbackup. */
export function defaultArchivePath(home: string, now: Date): string {
  const stamp = `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}-` +
    `${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return `${home.replace(/\/+$/, "")}/backups/hermes-openclaw-backup-${stamp}.tar.zst`;
}

// ---------------------------------------------------------------------------------------------
// Parsers of hbackup's stderr/stdout text.

export interface BackupComplete {
  path: string;
  files: number;
  size: string;
}

/** Anchored at the end because the path itself may contain " (". */
const BACKUP_COMPLETE = /^Backup complete: (.+) \((\d+) files, ([0-9.]+ [KMGTP]?B)\)$/;

/** The last `Backup complete: PATH (N files, SIZE)` line. */
export function parseBackupComplete(stderr: string): BackupComplete | undefined {
  let found: BackupComplete | undefined;
  for (const line of lines(stderr)) {
    const m = BACKUP_COMPLETE.exec(line);
    if (m) found = { path: m[1]!, files: Number(m[2]), size: m[3]! };
  }
  return found;
}

/** N from `Dry run: N files would be archived`. */
export function parseDryRunCount(stderr: string): number | undefined {
  return lastNumber(stderr, /^Dry run: (\d+) files would be archived$/);
}

/** N from `Found N files to back up`. */
export function parseFoundCount(stderr: string): number | undefined {
  return lastNumber(stderr, /^Found (\d+) files to back up$/);
}

export interface ListedBackup {
  size: string;
  name: string;
}

/** `hbackup list` stdout: `SIZE  NAME` lines, or `No backups found.`. */
export function parseList(stdout: string): ListedBackup[] {
  const out: ListedBackup[] = [];
  for (const line of lines(stdout)) {
    const m = /^([0-9.]+ [KMGTP]?B)\s+(.+)$/.exec(line);
    if (m) out.push({ size: m[1]!, name: m[2]! });
  }
  return out;
}

/** Number of `Warning: …` lines (per-file problems that do not fail a backup). */
export function countWarnings(stderr: string): number {
  return lines(stderr).filter((l) => l.startsWith("Warning: ")).length;
}

export interface UploadOutcome {
  uploaded: boolean;
  /** hbackup's words when `auto` skipped the upload (and still exited 0). */
  skipped: string | undefined;
}

export function parseUpload(stderr: string): UploadOutcome {
  let uploaded = false;
  let skipped: string | undefined;
  for (const line of lines(stderr)) {
    if (/^Upload( to Google Drive)? complete\.$/.test(line)) uploaded = true;
    if (/^No (upload destination configured|upload config found|config file found)/.test(line)) {
      skipped = line;
    }
  }
  return { uploaded, skipped };
}

/** `Error: msg` plus anyhow's `Caused by:` chain, joined into one line. */
export function parseError(stderr: string): string | undefined {
  const all = lines(stderr);
  const at = all.findLastIndex((l) => l.startsWith("Error: "));
  if (at === -1) {
    // clap usage errors: "error: unexpected argument '--foo' found".
    const clap = all.find((l) => l.startsWith("error: "));
    return clap?.slice("error: ".length);
  }
  const parts = [all[at]!.slice("Error: ".length)];
  for (const l of all.slice(at + 1)) {
    const cause = /^\s+(?:\d+: )?(.+)$/.exec(l);
    if (cause) parts.push(cause[1]!);
  }
  return parts.join(": ");
}

function lines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.trimEnd()).filter((l) => l !== "");
}

function lastNumber(text: string, re: RegExp): number | undefined {
  let n: number | undefined;
  for (const line of lines(text)) {
    const m = re.exec(line);
    if (m) n = Number(m[1]);
  }
  return n;
}
