import { deepStrictEqual as eq } from "node:assert/strict";
import { BACKUP_TOOLS, builtinSchemas, HBACKUP_ACTIONS, HEALTH_CHECKS } from "./builtin_schemas.ts";
import { BACKUP_TOOLS as TASK_TOOLS } from "../../tasks/backup.ts";
import { hbackupSettings } from "../../tasks/hbackup.ts";
import { HEALTH_CHECKS as TASK_CHECKS } from "../../tasks/health_check.ts";
import { HBACKUP_ACTIONS as TASK_ACTIONS, settingsProblems } from "../../tasks/lib/hbackup_cli.ts";

type Name = keyof typeof builtinSchemas;

/** `[path, message]` of every problem, or [] when valid. */
function problems(task: Name, config: unknown): [string, string][] {
  const r = builtinSchemas[task].safeParse(config);
  return r.success ? [] : r.error.issues.map((i) => [i.path.join("."), i.message]);
}

Deno.test("the schemas and the tasks agree on the closed lists", () => {
  eq([...BACKUP_TOOLS], [...TASK_TOOLS]);
  eq([...HBACKUP_ACTIONS], [...TASK_ACTIONS]);
  eq([...HEALTH_CHECKS], [...TASK_CHECKS]);
});

Deno.test("shared keys pass through untouched", () => {
  const config = {
    source: "/data",
    remote: "remote:backup",
    schedule: "0 2 * * *",
    retry: 3,
    on_success: "notify-send ok",
    notify: { on: ["failure"] },
  };
  const r = builtinSchemas.backup.safeParse(config);
  eq(r.success, true);
  eq(r.data, config);
});

Deno.test("backup: the README's rules", () => {
  eq(problems("backup", { tool: "scp" }), [[
    "tool",
    `must be one of "rclone", "rsync", "hbackup"`,
  ]]);
  eq(problems("backup", { source: "", remote: "r:x" }), [["source", "must be a non-empty string"]]);
  eq(problems("backup", { source: "/a", remote: 7 }), [["remote", "must be a non-empty string"]]);
  eq(problems("backup", { source: "/a", remote: "r:", extra_args: "-v" }), [
    ["extra_args", "must be a list of strings"],
  ]);
  eq(problems("backup", { source: "/a", remote: "r:", idle_timeout_seconds: -1 }), [
    ["idle_timeout_seconds", "must be a non-negative number (0 disables it)"],
  ]);
  eq(problems("backup", { source: "/a", remote: "r:", idle_timeout_seconds: null }), []);
  eq(problems("backup", { source: "/a", remote: "r:", idle_timeout_seconds: 0 }), []);
  eq(problems("backup", { source: "/a", remote: "r:", excludes: ["*.tmp", 3] }), [
    ["excludes.1", "must be a non-empty string"],
  ]);
  eq(problems("backup", { tool: "hbackup", hbackup_command: "restore" }), [
    ["hbackup_command", `must be "backup" or "auto"`],
  ]);
  eq(problems("backup", { tool: "hbackup", hbackup_bin: "" }), [
    ["hbackup_bin", "must be a non-empty string"],
  ]);
  eq(
    problems("backup", { tool: "hbackup", output: "~/backups/x.tar.zst", excludes: ["target"] }),
    [],
  );
});

Deno.test("backup: rclone and rsync need source and remote; hbackup keys only with tool hbackup", () => {
  eq(problems("backup", {}), [
    ["source", `is required for tool "rclone"`],
    ["remote", `is required for tool "rclone"`],
  ]);
  eq(problems("backup", { tool: "rsync", source: "/a" }), [[
    "remote",
    `is required for tool "rsync"`,
  ]]);
  eq(problems("backup", { source: "/a", remote: "r:x", output: "/o.tar.zst" }), [
    ["output", `applies only to tool "hbackup" (tool is "rclone")`],
  ]);
  eq(problems("backup", { tool: "hbackup", source: "/a" }), [
    [
      "source",
      `is not used by tool "hbackup" (it archives Hermes/OpenClaw state; use tool "rclone" or "rsync" to sync a directory)`,
    ],
  ]);
  eq(problems("backup", { source: "-a", remote: "r:x" }), [["source", `must not start with "-"`]]);
  eq(problems("backup", { tool: "hbackup", hbackup_command: "auto", extra_args: ["-v"] }), [
    ["extra_args", `cannot be used with hbackup_command "auto" (it takes no arguments)`],
  ]);
  eq(problems("backup", { tool: "hbackup", output: "backups/x.tar.zst" }), [
    ["output", "must be an absolute path (or start with ~/)"],
  ]);
});

Deno.test("hbackup: the README's rules", () => {
  eq(problems("hbackup", {}), []);
  eq(problems("hbackup", { action: "setup" }), [
    ["action", `must be one of "backup", "auto", "list", "upload", "setup-drive"`],
  ]);
  for (const key of ["hbackup_bin", "drive_remote", "drive_folder"]) {
    eq(problems("hbackup", { action: "upload", archive: "/a", drive: true, [key]: "" }), [
      [key, "must be a non-empty string"],
    ]);
  }
  eq(problems("hbackup", { drive: "yes" }), [["drive", "must be true or false"]]);
  eq(problems("hbackup", { action: "backup", excludes: "target" }), [[
    "excludes",
    "must be a list of strings",
  ]]);
  eq(problems("hbackup", { action: "list", extra_args: [1] }), [[
    "extra_args.0",
    "must be a string",
  ]]);
  eq(problems("hbackup", { idle_timeout_seconds: "1h" }), [
    ["idle_timeout_seconds", "must be a non-negative number or null"],
  ]);
});

Deno.test("hbackup: which keys reach which action", () => {
  eq(problems("hbackup", { action: "upload" }), [
    ["archive", `is required for action "upload" (the archive to upload)`],
  ]);
  eq(problems("hbackup", { action: "backup", archive: "/a.tar.zst" }), [
    ["archive", `applies only to action "upload" (action is "backup")`],
  ]);
  eq(
    problems("hbackup", {
      action: "list",
      output: "/o",
      excludes: ["x"],
      destination: "h:/",
      drive: true,
    }),
    [
      ["output", `applies only to action "backup" or "auto" (action is "list")`],
      ["excludes", `applies only to action "backup" or "auto" (action is "list")`],
      ["destination", `applies only to action "upload" or "auto" (action is "list")`],
      ["drive", `applies only to action "upload" or "auto" (action is "list")`],
      [
        "destination",
        "cannot be combined with drive: true (hbackup ignores the destination with --drive)",
      ],
    ],
  );
  eq(problems("hbackup", { action: "upload", archive: "/a", drive_remote: "gd" }), [
    ["drive_remote", "requires drive: true (hbackup ignores it without --drive)"],
  ]);
  eq(problems("hbackup", { action: "upload", archive: "/a", drive: false, drive_folder: "f" }), [
    ["drive_folder", "requires drive: true (hbackup ignores it without --drive)"],
  ]);
  eq(problems("hbackup", { action: "auto", extra_args: ["--x"] }), [
    [
      "extra_args",
      `cannot be used with action "auto" (hbackup auto takes no arguments; use action "backup" or "upload")`,
    ],
  ]);
  eq(
    problems("hbackup", {
      action: "auto",
      output: "~/b/x.tar.zst",
      drive: true,
      drive_remote: "gd",
    }),
    [],
  );
  eq(problems("hbackup", { action: "upload", archive: "a.tar.zst" }), [
    ["archive", "must be an absolute path (or start with ~/)"],
  ]);
});

Deno.test("hbackup: the schema and the task's own check accept and reject the same configs", () => {
  const configs: Record<string, unknown>[] = [
    {},
    { action: "backup", output: "/o", excludes: ["x"] },
    { action: "list", output: "/o" },
    { action: "upload" },
    { action: "upload", archive: "/a", destination: "h:/" },
    { action: "upload", archive: "/a", drive: true, destination: "h:/" },
    { action: "upload", archive: "/a", drive_folder: "f" },
    { action: "setup-drive", drive: true },
    { action: "auto", extra_args: ["-v"] },
    { action: "backup", archive: "/a" },
    { action: "auto", destination: "h:/", excludes: ["x"] },
  ];
  for (const c of configs) {
    const byTask = settingsProblems(hbackupSettings(c)).length === 0;
    eq(problems("hbackup", c).length === 0, byTask, JSON.stringify(c));
  }
});

Deno.test("health-check: the README's rules plus disk_paths", () => {
  eq(problems("health-check", {}), []);
  eq(problems("health-check", { checks: ["disk", "cpu"] }), [
    ["checks.1", `must be one of "disk", "memory", "systemd-units"`],
  ]);
  eq(problems("health-check", { checks: "disk" }), [
    ["checks", `must be a list containing "disk", "memory", "systemd-units"`],
  ]);
  eq(problems("health-check", { checks: [] }), [["checks", "must name at least one check"]]);
  for (const v of [-1, 100.5, "90"]) {
    eq(problems("health-check", { disk_threshold_pct: v }), [
      ["disk_threshold_pct", "must be a number from 0 to 100"],
    ]);
  }
  eq(problems("health-check", { disk_threshold_pct: 0, memory_threshold_pct: 100 }), []);
  eq(problems("health-check", { swap_threshold_pct: 150 }), [
    ["swap_threshold_pct", "must be a number from 0 to 100"],
  ]);
  eq(problems("health-check", { systemd_units: ["nginx.service", ""] }), [
    ["systemd_units.1", "must be a non-empty string"],
  ]);
  eq(problems("health-check", { disk_paths: ["/", "var/lib"] }), [[
    "disk_paths.1",
    "must be an absolute path",
  ]]);
  eq(problems("health-check", { disk_paths: [] }), [["disk_paths", "must name at least one path"]]);
  eq(problems("health-check", { disk_paths: ["/", "/var/lib"], schedule: "*/15 * * * *" }), []);
});
