/** The validated config as the rest of docket sees it (no zod types: cheap to import). */
import type { TaskGrants } from "../task_api.ts";
export interface TaskSection {
  [key: string]: unknown;
}

export interface DocketConfig {
  /** Absolute path of the config file (it may not exist). */
  path: string;
  exists: boolean;
  home: string;
  state_dir: string;
  /** The state backend (absent: SQLite at state_dir). */
  state?: { backend: "sqlite" | "postgres"; url_env?: string };
  /** This host's name in a shared history (absent: the hostname). */
  host_id?: string;
  tasks_dir: string;
  logs_dir: string;
  history: { keep_runs?: number; keep_days?: number };
  /** The user system units run docket as (`User=`), or `dynamic` (`DynamicUser=yes`). */
  run_as?: string;
  /** The OS sandbox policy (absent: auto). Per task: the section's own `sandbox.os`. */
  sandbox?: { os?: "auto" | "required" | "off" };
  tasks: Record<string, TaskSection>;
  /** The loader's content key (SHA-256 over the file's bytes and what validation used). */
  digest?: string;
}

/** The keys of TaskGrants (the declarations that become Deno permissions), at run time. */
export const GRANT_KEYS = [
  "network",
  "required_env",
  "destructive",
  "writes",
  "reads",
  "exec",
  "sys",
  "max_memory_mb",
] as const satisfies readonly (keyof TaskGrants)[];

/**
 * Scheduling keys docket maps when present (into CronJobs today, see kubernetes/manifests.ts)
 * though its config schema does not type them yet: docket acts on them, so they are the
 * operator's, never a module's default.
 */
export const SCHEDULE_KEYS = [
  "overlap",
  "jitter",
  "jitter_seconds",
  "timezone",
  "catch_up",
  "catch_up_window",
  "deadline_seconds",
  "starting_deadline_seconds",
] as const;

/** Keys docket itself interprets; the rest of a task's section is the task's own config. */
export const SHARED_KEYS = [
  "type",
  "module",
  "description",
  "schedule",
  "retry",
  "backoff_base",
  "backoff_max",
  "on_success",
  "on_failure",
  "on_complete",
  "hook_timeout_seconds",
  "notify",
  "docket_bin",
  "run_as",
  "inputs",
  "outputs",
  "schema",
  ...GRANT_KEYS,
  "timeout_seconds",
  "idle_timeout_seconds",
  "kill_grace_seconds",
  "randomized_delay_seconds",
  "sandbox",
  ...SCHEDULE_KEYS,
] as const;

/** Keys of `type: command` tasks that are docket's, not passed to anything. */
export const COMMAND_KEYS = [
  "command",
  "args",
  "dry_run_args",
  "dry_run_command",
  "output_format",
  "success_exit_codes",
  "env",
  "cwd",
] as const;

const SHARED = new Set<string>(SHARED_KEYS);

/** The task's own config: the section without docket's shared keys. */
export function taskOwnConfig(section: TaskSection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(section)) if (!SHARED.has(k)) out[k] = v;
  return out;
}

/** This host's name in a shared history: `host_id`, or the hostname. */
export function hostIdOf(cfg: Pick<DocketConfig, "host_id">): string {
  if (cfg.host_id) return cfg.host_id;
  try {
    return Deno.hostname();
  } catch {
    return "localhost";
  }
}
