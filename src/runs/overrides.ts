/** `--set key=value`: per-run overrides of a task's own config, never of its grants. */
import { DocketError } from "../core/errors.ts";
import { COMMAND_KEYS, SHARED_KEYS } from "../config/types.ts";
import { isSecretKey, MASK } from "../core/secrets.ts";

/** Shared keys an agent may change for one run; everything that shapes the sandbox is locked. */
const SETTABLE_SHARED = new Set([
  "timeout_seconds",
  "idle_timeout_seconds",
  "retry",
  "backoff_base",
  "backoff_max",
]);
/**
 * Built-in keys that hand arguments or binaries to programs started outside Deno's sandbox
 * (an `exec` grant): a run may not change them.
 */
const EXEC_KEYS = ["extra_args", "hbackup_bin", "excludes"];
const LOCKED = new Set<string>([...SHARED_KEYS, ...COMMAND_KEYS, ...EXEC_KEYS]);

/**
 * Whether a task's own config keys may be overridden for one run. Only for tasks Deno fully
 * sandboxes (TypeScript, no `exec`): where config reaches a program outside the sandbox (every
 * built-in, a task with `exec`, a command task), a run could redirect that program — a backup
 * to another host, an upload of another file — within unchanged grants. There only the
 * limits (`timeout_seconds`, `idle_timeout_seconds`, `retry`, `backoff_*`) can be set.
 */
export function assertOverridable(
  task: { name: string; source: string; grants: { exec?: string[] } },
  overrides: Record<string, unknown>,
): void {
  const own = Object.keys(overrides).filter((k) => !SETTABLE_SHARED.has(k));
  if (!own.length) return;
  const outside = task.source === "builtin" || task.source === "command" ||
    (task.grants.exec?.length ?? 0) > 0;
  if (!outside) return;
  throw new DocketError(
    "usage",
    `Cannot override ${own.map((k) => `"${k}"`).join(", ")} of task "${task.name}" with --set: ` +
      "its config reaches programs outside Deno's sandbox",
    {
      hint: "Only timeout_seconds, idle_timeout_seconds, retry and backoff_* can be set per " +
        "run for this task; change the rest in the config file",
      details: { task: task.name, keys: own },
    },
  );
}

export function parseSetArgs(pairs: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new DocketError("usage", `Cannot parse --set "${pair}": expected key=value`, {
        hint: "Use --set key=value (values are JSON when they parse as JSON, else strings)",
      });
    }
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(key)) {
      throw new DocketError("usage", `Cannot use --set key "${key}": not a plain config key`, {
        hint: "Keys are letters, digits, '_' and '-'",
      });
    }
    if (LOCKED.has(key) && !SETTABLE_SHARED.has(key)) {
      throw new DocketError(
        "usage",
        `Cannot override "${key}" with --set: it shapes the task's sandbox or command`,
        { hint: "Change it in the config file instead (the operator's decision, not a run's)" },
      );
    }
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // plain string
    }
    out[key] = value;
  }
  return out;
}

/** Overrides as the state DB keeps them: values of secret-looking keys replaced by `***`. */
export function storedOverrides(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, isSecretKey(k) ? MASK : v]));
}

/** The overrides `storedOverrides` masks: handed to the async runner on its stdin instead. */
export function secretOverrides(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k]) => isSecretKey(k)));
}
