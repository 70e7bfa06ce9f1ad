/** zod schemas for docket's config: every rule of the README's "Config validation" section. */
import { z } from "zod";
import { DURATION_BOUND_TEXT, MAX_DURATION_SECONDS } from "../core/duration.ts";

const nonEmpty = z.string().min(1, "must be a non-empty string");
const strOrList = z.union([nonEmpty, z.array(nonEmpty)], {
  error: "must be a string or a list of strings",
});
const strList = z.array(z.string(), { error: "must be a list of strings" });
const descMap = z.record(z.string(), z.string(), {
  error: "must be a mapping of string keys to string descriptions",
});
const posNum = z.number({ error: "must be a number" }).positive("must be a positive number");
/** Every timeout, grace, backoff and interval: one schema, bounded to what timers represent. */
export const durationSeconds = posNum.max(MAX_DURATION_SECONDS, DURATION_BOUND_TEXT);
/** A duration where 0 means "none" (a grace period, a delay). */
export const nonNegDurationSeconds = z.number({ error: "must be a number" })
  .nonnegative("must be a non-negative number").max(MAX_DURATION_SECONDS, DURATION_BOUND_TEXT);
const nonNegNumOrNull = z.union([nonNegDurationSeconds, z.null()], {
  error: "must be a non-negative number or null",
});

const notifySchema = z.object({
  on: z.array(z.enum(["success", "failure", "complete", "missed", "recovered"]), {
    error: "must be a list of success, failure, complete, missed and/or recovered",
  }).optional(),
  message: nonEmpty.optional(),
  timeout_seconds: durationSeconds.optional(),
  discord: z.object({
    webhook_url: nonEmpty.optional(),
    webhook_url_env: nonEmpty.optional(),
    username: nonEmpty.optional(),
  }, { error: "must be a mapping" }).strict().refine(
    (d) => d.webhook_url || d.webhook_url_env,
    "needs webhook_url_env (or webhook_url)",
  ).optional(),
  telegram: z.object({
    chat: z.union([nonEmpty, z.number().int()], { error: "must be a chat id" }),
    bot_token: nonEmpty.optional(),
    bot_token_env: nonEmpty.optional(),
    api_base: z.url({ error: "must be an http(s) URL" }).optional(),
  }, { error: "must be a mapping" }).strict().refine(
    (t) => t.bot_token || t.bot_token_env,
    "needs bot_token_env (or bot_token)",
  ).optional(),
}, { error: "must be a mapping with on, discord and/or telegram" }).strict();

/** `run_as`: a system user name for `User=`, or `dynamic` for `DynamicUser=yes`. */
export const RUN_AS_RE = /^[a-z_][a-z0-9_-]{0,30}$/;
const runAs = z.string({ error: "must be a string" }).regex(
  RUN_AS_RE,
  'must be a user name (lower-case letters, digits, "_" and "-", starting with a letter or "_") or "dynamic"',
).refine((v) => v !== "root", 'must not be "root": system units run as root without run_as');
/** `sandbox: { os: auto | required | off }` (top level, and per task in the config file only). */
const sandboxSchema = z.object({
  os: z.enum(["auto", "required", "off"], { error: "must be auto, required or off" }).optional(),
}, { error: "must be a mapping with os: auto, required or off" }).strict();

/** Keys shared by every task. Unknown keys pass through: they are the task's own config. */
export const sharedTaskSchema = z.looseObject({
  type: z.enum(["command", "module"], { error: 'must be "command" or "module"' }).optional(),
  module: nonEmpty.optional(),
  description: nonEmpty.optional(),
  schedule: nonEmpty.optional(),
  docket_bin: nonEmpty.optional(),
  run_as: runAs.optional(),
  retry: z.number({ error: "must be a non-negative integer" }).int(
    "must be a non-negative integer",
  ).nonnegative("must be a non-negative integer").max(100, "must be at most 100").optional(),
  backoff_base: posNum.optional(),
  backoff_max: durationSeconds.optional(),
  on_success: strOrList.optional(),
  on_failure: strOrList.optional(),
  on_complete: strOrList.optional(),
  hook_timeout_seconds: durationSeconds.optional(),
  notify: notifySchema.optional(),
  inputs: descMap.optional(),
  outputs: descMap.optional(),
  schema: z.record(z.string(), z.record(z.string(), z.unknown()), {
    error: "must be a mapping of field names to field rules",
  }).optional(),
  required_env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be variable names"), {
    error: "must be a list of strings",
  }).optional(),
  network: z.union([z.boolean(), z.array(nonEmpty)], {
    error: "must be a boolean (or a list of host[:port])",
  }).optional(),
  destructive: z.boolean({ error: "must be a boolean" }).optional(),
  writes: strList.optional(),
  reads: strList.optional(),
  exec: strList.optional(),
  sys: strList.optional(),
  max_memory_mb: z.number().int().positive("must be a positive integer").optional(),
  timeout_seconds: durationSeconds.optional(),
  idle_timeout_seconds: nonNegNumOrNull.optional(),
  kill_grace_seconds: nonNegDurationSeconds.optional(),
  randomized_delay_seconds: nonNegDurationSeconds.optional(),
  sandbox: sandboxSchema.optional(),
  // Scheduling policy (README "Scheduling"); `schedule` itself is checked by systemd/cron.ts.
  timezone: z.string({ error: "must be an IANA time zone name" }).refine(
    isTimeZone,
    'must be an IANA time zone name such as "Europe/Berlin" or "UTC"',
  ).optional(),
  jitter: z.number({ error: "must be a number of seconds" }).int("must be whole seconds")
    .nonnegative("must be a non-negative number of seconds").max(86400, "must be at most 86400")
    .optional(),
  overlap: z.enum(["skip", "queue", "replace", "allow"], {
    error: "must be skip, queue, replace or allow",
  }).optional(),
  catch_up: z.enum(["none", "latest", "all"], { error: "must be none, latest or all" }).optional(),
  catch_up_window: durationSeconds.optional(),
  deadline_seconds: durationSeconds.optional(),
});

/** An IANA zone Intl knows (the same table croner computes fire times with). */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-]*(\/[A-Za-z0-9_+\-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** A command: a string holding a word, or a non-empty list (an empty argv cannot run). */
const commandSpec = z.union([
  z.string().regex(/\S/, "must name a program"),
  z.array(nonEmpty).min(1, "must name a program"),
], { error: "must be a string or a non-empty list of strings" });

export const commandTaskSchema = z.looseObject({
  command: commandSpec,
  args: strList.optional(),
  dry_run_args: strList.optional(),
  dry_run_command: commandSpec.optional(),
  output_format: z.enum(["text", "json", "jsonl", "auto"], {
    error: "must be text, json, jsonl or auto",
  }).optional(),
  success_exit_codes: z.array(z.number().int(), { error: "must be a list of integers" })
    .optional(),
  env: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
    error: "must be a mapping with string keys",
  }).optional(),
  cwd: nonEmpty.optional(),
});

/**
 * Where history lives. The PostgreSQL URL (it holds a password) never goes in the config: it
 * is read from the environment variable `url_env` names.
 */
const stateSchema = z.object({
  backend: z.enum(["sqlite", "postgres"], { error: "must be sqlite or postgres" }),
  url_env: z.string({ error: "must be a string" }).regex(
    /^[A-Z_][A-Z0-9_]{0,63}$/,
    "must name an environment variable (e.g. DOCKET_PG_URL) that holds the URL, not the URL",
  ).optional(),
  url: z.never({
    error: "a database URL (and its password) never goes in the config: put it in an " +
      "environment variable and name that in state.url_env",
  }).optional(),
}, { error: "must be a mapping like { backend: postgres, url_env: DOCKET_PG_URL }" }).strict();

export const topSchema = z.object({
  state_dir: z.string({ error: "must be a string" }).optional(),
  state: stateSchema.optional(),
  host_id: z.string({ error: "must be a string" }).regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    "must be 1-63 letters, digits, dots, dashes or underscores (default: the hostname)",
  ).optional(),
  tasks_dir: z.string({ error: "must be a string" }).optional(),
  logs_dir: z.string({ error: "must be a string" }).optional(),
  history: z.object({
    keep_runs: z.number().int().positive("must be a positive integer").optional(),
    keep_days: posNum.optional(),
  }).strict().optional(),
  run_as: runAs.optional(),
  sandbox: sandboxSchema.optional(),
  tasks: z.record(z.string(), z.unknown(), { error: "must be a mapping" }).nullable().optional(),
}, { error: "must be a mapping" }).strict();
