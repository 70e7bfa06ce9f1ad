/** Shared pieces of command modules: opening the store, JSON views of tasks and runs. */
import type { DocketConfig } from "../config/types.ts";
import type { RunRow, Store } from "../core/store.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { openStore } from "../store/open.ts";
import { presentRun, reconcile } from "../runs/reconcile.ts";
import { describeRun, taskChildSpec } from "../sandbox/child_spec.ts";
import { hostFacts } from "../sandbox/host.ts";
import { maskSecrets, maskTokenShapes } from "../notify/mask.ts";
import { missingEnv } from "../runs/required_env.ts";
import {
  ARGV_KEYS,
  configSecrets,
  isSecretKey,
  maskArgv,
  maskCommandString,
  programOf,
} from "../core/secrets.ts";

/** Opens the store, then records lost runs (what commands that show or start runs do). */
export function openReconciled(cfg: DocketConfig): Store {
  const store = openStore(cfg);
  try {
    reconcile(store);
  } catch (err) {
    store.close();
    throw err;
  }
  return store;
}

/**
 * The store for a reading command, and how it shows a run: cleaned up (lost runs recorded,
 * their leftovers killed) unless the caller is read-only, which sees the same verdict unwritten.
 */
export function openReader(cfg: DocketConfig, readOnly: boolean | undefined) {
  const store = readOnly === true ? openStore(cfg) : openReconciled(cfg);
  return { store, view: readOnly ? presentRun : (r: RunRow) => r };
}

/**
 * Task order of list and capabilities: by code point, as status sorts. (The first
 * localeCompare initialises ICU collation: 10-15 ms, measured, about half of B.)
 */
export function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Masks values of secret-looking keys (tokens, webhook URLs) anywhere in a config, credentials
 * in command lines (src/core/secrets.ts decides what is one), and token-shaped text in any
 * value (a webhook URL inside a hook command or an argv).
 */
export function maskConfig(v: unknown, key = "", program = ""): unknown {
  if (ARGV_KEYS.has(key) && Array.isArray(v)) {
    const masked = maskArgv(v.map(String), program || String(v[0] ?? ""));
    return v.map((x, i) => typeof x === "string" ? maskTokenShapes(masked[i]!) : x);
  }
  if (ARGV_KEYS.has(key) && typeof v === "string") return maskTokenShapes(maskCommandString(v));
  if (Array.isArray(v)) return v.map((x) => maskConfig(x, key, program));
  if (v && typeof v === "object") {
    const prog = programOf(v as Record<string, unknown>) || program;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = maskConfig(x, k, prog);
    return out;
  }
  if (typeof v === "string" && isSecretKey(key)) return "***";
  return typeof v === "string" ? maskTokenShapes(v) : v;
}

/** The child's argv with every secret of the task's config (the one rule) masked. */
export function maskChildArgv(argv: string[], config: Record<string, unknown>): string[] {
  const secrets = configSecrets(config, "", programOf(config));
  return argv.map((a) => maskTokenShapes(maskSecrets(a, secrets)));
}

/**
 * The task's child spec as a run would get it (placeholders for the run id and scratch dir;
 * of a dry run with `dryRun`), from the same function the runner executes.
 */
export function sandboxOf(t: TaskInfo, cfg: DocketConfig, opts: { dryRun?: boolean } = {}) {
  const host = hostFacts(cfg, t.name);
  const run = { ...describeRun(t.config), dryRun: opts.dryRun === true };
  return taskChildSpec(t, run, { ...host, envSource: {} });
}

export function taskJson(t: TaskInfo, cfg: DocketConfig) {
  return taskJsonFor(t, cfg, {});
}

/** `taskJson`, with the sandbox of a dry run when `opts.dryRun` (`describe --dry-run`). */
export function taskJsonFor(t: TaskInfo, cfg: DocketConfig, opts: { dryRun?: boolean }) {
  const sb = sandboxOf(t, cfg, opts);
  return {
    name: t.name,
    description: t.description,
    source: t.source,
    config: maskConfig(t.config),
    inputs: t.inputs,
    outputs: t.outputs,
    schema: t.schema,
    required_env: t.grants.required_env ?? [],
    /** Declared variables unset or empty here: a run would be refused (`env_missing`). */
    missing_env: missingEnv(t.grants.required_env),
    network: t.grants.network ?? false,
    destructive: t.grants.destructive ?? false,
    has_dry_run: t.hasDryRun,
    schedule: typeof t.config.schedule === "string" ? t.config.schedule : null,
    permissions: sb.permissions,
    deno_flags: sb.deno_flags,
    /** The child's argv exactly as the runner starts it (`<scratch>`: the run's scratch dir). */
    // Masked by the config's own secrets: the argv carries the command line as configured.
    child_argv: maskChildArgv([sb.cmd, ...sb.args], t.config),
    sandbox: sb.os,
    load_error: t.loadError,
    config_warnings: t.configWarnings,
  };
}

export function runJson(r: RunRow) {
  return {
    ok: !["failed", "cancelled", "timeout", "lost"].includes(r.status),
    status: r.status,
    task: r.task_name,
    run_id: r.run_id,
    exit_code: r.exit_code,
    summary: r.summary,
    details: r.details,
    error: r.error,
    dry_run: r.dry_run,
    attempts: r.attempts,
    async: r.async,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    pid: r.runner_pid,
    // a shared (PostgreSQL) history only: SQLite's runs all ran here
    ...(r.host_id === undefined ? {} : { host: r.host_id }),
    log_path: r.log_path,
    overrides: maskConfig(r.overrides),
    hooks: r.hooks,
  };
}

export function lastRunJson(r: RunRow | undefined) {
  if (!r) return null;
  return {
    run_id: r.run_id,
    status: r.status,
    exit_code: r.exit_code,
    summary: r.summary,
    started_at: r.started_at,
    finished_at: r.finished_at,
    duration_ms: r.duration_ms,
    ...(r.host_id === undefined ? {} : { host: r.host_id }),
  };
}
