import { deepStrictEqual as eq } from "node:assert/strict";
import {
  countWarnings,
  defaultArchivePath,
  type HbackupSettings,
  isComposedAuto,
  needsGeneratedOutput,
  parseBackupComplete,
  parseDryRunCount,
  parseError,
  parseFoundCount,
  parseList,
  parseUpload,
  planHbackup,
  settingsProblems,
} from "./hbackup_cli.ts";

const base: HbackupSettings = {
  action: "auto",
  bin: "hbackup",
  excludes: [],
  drive: false,
  extraArgs: [],
};
const s = (over: Partial<HbackupSettings>): HbackupSettings => ({ ...base, ...over });
const steps = (p: ReturnType<typeof planHbackup>) =>
  p.steps.map((x) => [x.role, x.args, x.execute]);

Deno.test("backup maps to backup -o OUTPUT -x … extra_args, --dry-run in a dry run", () => {
  const set = s({
    action: "backup",
    output: "/b/a.tar.zst",
    excludes: ["target", ".git"],
    extraArgs: ["--x"],
  });
  eq(steps(planHbackup(set, { dryRun: false })), [
    ["backup", ["backup", "-o", "/b/a.tar.zst", "-x", "target", "-x", ".git", "--x"], true],
  ]);
  eq(steps(planHbackup(set, { dryRun: true })), [
    [
      "backup",
      ["backup", "--dry-run", "-o", "/b/a.tar.zst", "-x", "target", "-x", ".git", "--x"],
      true,
    ],
  ]);
});

Deno.test("backup without output uses the path docket generated", () => {
  const set = s({ action: "backup" });
  eq(needsGeneratedOutput(set), true);
  const plan = planHbackup(set, { dryRun: false, generatedOutput: "/h/backups/x.tar.zst" });
  eq(plan.archivePath, "/h/backups/x.tar.zst");
  eq(plan.steps[0]!.args, ["backup", "-o", "/h/backups/x.tar.zst"]);
});

Deno.test("plain auto runs `auto`; its dry run previews `backup --dry-run` and describes auto", () => {
  eq(isComposedAuto(base), false);
  eq(needsGeneratedOutput(base), false);
  eq(steps(planHbackup(base, { dryRun: false })), [["auto", ["auto"], true]]);
  eq(steps(planHbackup(base, { dryRun: true })), [
    ["backup", ["backup", "--dry-run"], true],
    ["auto", ["auto"], false],
  ]);
});

Deno.test("auto with options becomes backup -o … then upload, and the dry run only describes the upload", () => {
  const set = s({ output: "/b/o.tar.zst", excludes: ["x"], destination: "me@host:/backups/" });
  eq(isComposedAuto(set), true);
  const plan = planHbackup(set, { dryRun: false });
  eq(plan.composed, true);
  eq(steps(plan), [
    ["backup", ["backup", "-o", "/b/o.tar.zst", "-x", "x"], true],
    ["upload", ["upload", "/b/o.tar.zst", "me@host:/backups/"], true],
  ]);
  eq(steps(planHbackup(set, { dryRun: true })), [
    ["backup", ["backup", "--dry-run", "-o", "/b/o.tar.zst", "-x", "x"], true],
    ["upload", ["upload", "/b/o.tar.zst", "me@host:/backups/"], false],
  ]);
  const drive = s({ drive: true, driveRemote: "gd", driveFolder: "hb" });
  eq(isComposedAuto(drive), true);
  eq(planHbackup(drive, { dryRun: false, generatedOutput: "/g.tar.zst" }).steps[1]!.args, [
    "upload",
    "--drive",
    "--drive-remote",
    "gd",
    "--drive-folder",
    "hb",
    "/g.tar.zst",
  ]);
});

Deno.test("upload maps flags then ARCHIVE [DESTINATION] then extra_args; no dry run", () => {
  const set = s({
    action: "upload",
    archive: "/b/a.tar.zst",
    destination: "h:/d/",
    extraArgs: ["-v"],
  });
  eq(steps(planHbackup(set, { dryRun: false })), [["upload", [
    "upload",
    "/b/a.tar.zst",
    "h:/d/",
    "-v",
  ], true]]);
  eq(steps(planHbackup(set, { dryRun: true })), [["upload", [
    "upload",
    "/b/a.tar.zst",
    "h:/d/",
    "-v",
  ], false]]);
});

Deno.test("list and setup-drive (two words: setup drive)", () => {
  eq(steps(planHbackup(s({ action: "list" }), { dryRun: true })), [["list", ["list"], true]]);
  eq(steps(planHbackup(s({ action: "setup-drive" }), { dryRun: false })), [
    ["setup", ["setup", "drive"], true],
  ]);
  eq(steps(planHbackup(s({ action: "setup-drive" }), { dryRun: true })), [
    ["setup", ["setup", "drive"], false],
  ]);
});

Deno.test("settingsProblems rejects keys the action cannot use", () => {
  eq(settingsProblems(s({ action: "list", output: "/o", excludes: ["x"] })), [
    `"output" applies only to backup and auto`,
    `"excludes" applies only to backup and auto`,
  ]);
  eq(settingsProblems(s({ action: "upload" })), [`"archive" is required for action "upload"`]);
  eq(settingsProblems(s({ action: "backup", archive: "/a" })), [
    `"archive" applies only to upload`,
  ]);
  eq(settingsProblems(s({ action: "backup", destination: "h:/", drive: true })), [
    `"destination" applies only to upload and auto`,
    `"drive" applies only to upload and auto`,
    `"destination" cannot be combined with "drive: true" (hbackup ignores it)`,
  ]);
  eq(settingsProblems(s({ action: "upload", archive: "/a", driveRemote: "g", driveFolder: "f" })), [
    `"drive_remote" requires "drive: true"`,
    `"drive_folder" requires "drive: true"`,
  ]);
  eq(settingsProblems(s({ extraArgs: ["--x"] })), [
    `"extra_args" cannot be passed to auto (it takes no arguments)`,
  ]);
  eq(settingsProblems(s({ action: "upload", archive: "/a", drive: true, driveRemote: "g" })), []);
});

Deno.test("defaultArchivePath is hbackup's own name under ~/backups, local time", () => {
  eq(
    defaultArchivePath("/home/u/", new Date(2026, 0, 2, 3, 4, 5)),
    "/home/u/backups/hermes-openclaw-backup-20260102-030405.tar.zst",
  );
});

Deno.test("parseBackupComplete takes the last match, anchored at the end (paths may hold ' (')", () => {
  const err = [
    "Discovering files...",
    "Found 3 files to back up",
    "Backup complete: /tmp/old.tar.zst (1 files, 3 B)",
    "Backup complete: /b/my (copy) (2).tar.zst (1234 files, 12.3 MB)",
  ].join("\n");
  eq(parseBackupComplete(err), { path: "/b/my (copy) (2).tar.zst", files: 1234, size: "12.3 MB" });
  eq(parseBackupComplete("Error: x"), undefined);
  eq(parseFoundCount(err), 3);
});

Deno.test("dry-run count, warnings, list, upload outcomes", () => {
  eq(parseDryRunCount("Discovering files...\nDry run: 42 files would be archived\n"), 42);
  eq(countWarnings("Warning: a\nWarning: b\nok\n"), 2);
  eq(
    parseList(
      "1.2 KB  hermes-openclaw-backup-1.tar.zst\n10.0 MB  hermes-openclaw-backup-2.tar.zst\n",
    ),
    [
      { size: "1.2 KB", name: "hermes-openclaw-backup-1.tar.zst" },
      { size: "10.0 MB", name: "hermes-openclaw-backup-2.tar.zst" },
    ],
  );
  eq(parseList("No backups found.\n"), []);
  eq(parseUpload("Uploading a to b via scp\nUpload complete.\n"), {
    uploaded: true,
    skipped: undefined,
  });
  eq(parseUpload("Upload to Google Drive complete.\n").uploaded, true);
  eq(parseUpload("No upload destination configured, skipping upload.\n"), {
    uploaded: false,
    skipped: "No upload destination configured, skipping upload.",
  });
});

Deno.test("parseError joins anyhow's Caused by chain; falls back to clap's error line", () => {
  eq(
    parseError(
      "Error: failed to create archive\n\nCaused by:\n    No space left on device (os error 28)\n",
    ),
    "failed to create archive: No space left on device (os error 28)",
  );
  eq(
    parseError(
      "Error: upload failed\n\nCaused by:\n    0: scp exited with 1\n    1: connection refused\n",
    ),
    "upload failed: scp exited with 1: connection refused",
  );
  eq(
    parseError("error: unexpected argument '--foo' found\n\nUsage: hbackup <COMMAND>\n"),
    "unexpected argument '--foo' found",
  );
  eq(parseError("fine\n"), undefined);
});
