/**
 * zod schemas for the config sections of the built-in tasks: every rule of the README's
 * "Config validation" section for `backup`, `hbackup` and `health-check`, plus the rules that
 * follow from how the tools work (which hbackup keys reach which action, what rclone/rsync need
 * to run). Objects are loose: shared keys (schedule, retry, on_success…) pass through untouched,
 * `sharedTaskSchema` checks them. Messages follow the key path they are shown with.
 *
 * The tasks re-check what they read (they run in a sandbox that loads no npm code); the tests
 * pin that the two agree.
 *
 * @module
 */
import { z } from "zod";
import { DURATION_BOUND_TEXT, MAX_DURATION_SECONDS } from "../core/duration.ts";

const NON_EMPTY = "must be a non-empty string";
const nonEmpty = z.string({ error: NON_EMPTY }).refine((s) => s.trim() !== "", NON_EMPTY);
const strList = z.array(z.string({ error: "must be a string" }), {
  error: "must be a list of strings",
});
const nonEmptyList = z.array(nonEmpty, { error: "must be a list of strings" });
const idleTimeout = z.union([
  z.number().nonnegative("must be a non-negative number (0 disables it)")
    .max(MAX_DURATION_SECONDS, DURATION_BOUND_TEXT),
  z.null(),
], { error: "must be a non-negative number or null" });
/** A value placed on a command line where a leading "-" would be read as a flag. */
const notFlag = nonEmpty.refine((s) => !s.startsWith("-"), 'must not start with "-"');
/** hbackup runs in a directory docket does not choose, so its paths must not be relative. */
const absPath = nonEmpty.refine(
  (s) => s.startsWith("/") || s === "~" || s.startsWith("~/"),
  "must be an absolute path (or start with ~/)",
);
const bool = z.boolean({ error: "must be true or false" });

export const BACKUP_TOOLS = ["rclone", "rsync", "hbackup"] as const;
export const HBACKUP_ACTIONS = ["backup", "auto", "list", "upload", "setup-drive"] as const;
export const HEALTH_CHECKS = ["disk", "memory", "systemd-units"] as const;

const quoted = (xs: readonly string[]) => xs.map((x) => `"${x}"`).join(", ");

type Ctx = z.core.$RefinementCtx<Record<string, unknown>>;
function problem(ctx: Ctx, key: string, message: string): void {
  ctx.addIssue({ code: "custom", path: [key], message });
}
const isSet = (v: unknown) => v !== undefined;
const nonEmptyArray = (v: unknown) => Array.isArray(v) && v.length > 0;

export const backupSchema = z.looseObject({
  tool: z.enum(BACKUP_TOOLS, { error: `must be one of ${quoted(BACKUP_TOOLS)}` }).optional(),
  source: notFlag.optional(),
  remote: notFlag.optional(),
  extra_args: strList.optional(),
  idle_timeout_seconds: idleTimeout.optional(),
  hbackup_command: z.enum(["backup", "auto"], { error: 'must be "backup" or "auto"' })
    .optional(),
  hbackup_bin: nonEmpty.optional(),
  output: absPath.optional(),
  excludes: nonEmptyList.optional(),
}).superRefine((c, ctx) => {
  const tool = c.tool ?? "rclone";
  if (tool === "hbackup") {
    for (const key of ["source", "remote"]) {
      if (isSet(c[key])) {
        problem(
          ctx,
          key,
          `is not used by tool "hbackup" (it archives Hermes/OpenClaw state; ` +
            `use tool "rclone" or "rsync" to sync a directory)`,
        );
      }
    }
    if (c.hbackup_command === "auto" && nonEmptyArray(c.extra_args)) {
      problem(
        ctx,
        "extra_args",
        `cannot be used with hbackup_command "auto" (it takes no arguments)`,
      );
    }
    return;
  }
  for (const key of ["source", "remote"]) {
    if (!isSet(c[key])) problem(ctx, key, `is required for tool "${tool}"`);
  }
  for (const key of ["hbackup_command", "hbackup_bin", "output"]) {
    if (isSet(c[key])) problem(ctx, key, `applies only to tool "hbackup" (tool is "${tool}")`);
  }
});

export const hbackupSchema = z.looseObject({
  action: z.enum(HBACKUP_ACTIONS, { error: `must be one of ${quoted(HBACKUP_ACTIONS)}` })
    .optional(),
  hbackup_bin: nonEmpty.optional(),
  output: absPath.optional(),
  archive: absPath.optional(),
  destination: notFlag.optional(),
  drive: bool.optional(),
  drive_remote: nonEmpty.optional(),
  drive_folder: nonEmpty.optional(),
  excludes: nonEmptyList.optional(),
  extra_args: strList.optional(),
  idle_timeout_seconds: idleTimeout.optional(),
}).superRefine((c, ctx) => {
  const action = c.action ?? "auto";
  const backupLike = action === "backup" || action === "auto";
  const uploadLike = action === "upload" || action === "auto";
  const only = (which: string) => `applies only to action ${which} (action is "${action}")`;
  if (!backupLike) {
    if (isSet(c.output)) problem(ctx, "output", only(`"backup" or "auto"`));
    if (nonEmptyArray(c.excludes)) problem(ctx, "excludes", only(`"backup" or "auto"`));
  }
  if (action === "upload" && !isSet(c.archive)) {
    problem(ctx, "archive", `is required for action "upload" (the archive to upload)`);
  }
  if (action !== "upload" && isSet(c.archive)) problem(ctx, "archive", only(`"upload"`));
  if (!uploadLike) {
    if (isSet(c.destination)) problem(ctx, "destination", only(`"upload" or "auto"`));
    if (c.drive === true) problem(ctx, "drive", only(`"upload" or "auto"`));
  }
  for (const key of ["drive_remote", "drive_folder"]) {
    if (isSet(c[key]) && c.drive !== true) {
      problem(ctx, key, "requires drive: true (hbackup ignores it without --drive)");
    }
  }
  if (c.drive === true && isSet(c.destination)) {
    problem(
      ctx,
      "destination",
      "cannot be combined with drive: true (hbackup ignores the destination with --drive)",
    );
  }
  if (action === "auto" && nonEmptyArray(c.extra_args)) {
    problem(
      ctx,
      "extra_args",
      `cannot be used with action "auto" (hbackup auto takes no arguments; ` +
        `use action "backup" or "upload")`,
    );
  }
});

const pct = z.number({ error: "must be a number from 0 to 100" })
  .min(0, "must be a number from 0 to 100").max(100, "must be a number from 0 to 100");

export const healthCheckSchema = z.looseObject({
  checks: z.array(
    z.enum(HEALTH_CHECKS, { error: `must be one of ${quoted(HEALTH_CHECKS)}` }),
    { error: `must be a list containing ${quoted(HEALTH_CHECKS)}` },
  ).min(1, "must name at least one check").optional(),
  disk_threshold_pct: pct.optional(),
  memory_threshold_pct: pct.optional(),
  systemd_units: nonEmptyList.optional(),
  disk_paths: z.array(
    nonEmpty.refine((s) => s.startsWith("/"), "must be an absolute path"),
    { error: "must be a list of absolute paths" },
  ).min(1, "must name at least one path").optional(),
}).superRefine((c, ctx) => {
  // The README's rule is "health-check.*_threshold_pct": any such key, not only the two above.
  for (const [key, value] of Object.entries(c)) {
    if (!key.endsWith("_threshold_pct") || key in KNOWN_PCT) continue;
    if (!pct.safeParse(value).success) problem(ctx, key, "must be a number from 0 to 100");
  }
});

const KNOWN_PCT = { disk_threshold_pct: true, memory_threshold_pct: true };

/** The schema of each built-in task's config section, by task name. */
export const builtinSchemas: Record<"backup" | "hbackup" | "health-check", z.ZodType> = {
  backup: backupSchema,
  hbackup: hbackupSchema,
  "health-check": healthCheckSchema,
};
