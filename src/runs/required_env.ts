/**
 * `required_env` means required: a declared variable that is unset — or set to the empty
 * string, which no credential is — refuses the run before it starts (`env_missing`), rather
 * than running the task (a timer-started backup, say) without its credential. `describe`,
 * `doctor` and MCP show the same list, from this one function.
 *
 * @module
 */
import { DocketError } from "../core/errors.ts";

/** The declared variables that are unset or empty in `env`, in declaration order. */
export function missingEnv(
  names: readonly string[] | undefined,
  env: (k: string) => string | undefined = (k) => Deno.env.get(k),
): string[] {
  const out: string[] = [];
  for (const k of names ?? []) {
    let v: string | undefined;
    try {
      v = env(k);
    } catch {
      v = undefined; // not a variable name Deno accepts: it cannot be set either
    }
    if (v === undefined || v === "") out.push(k);
  }
  return out;
}

/** Throws `env_missing` naming every missing variable of `task`. */
export function assertRequiredEnv(task: { name: string; required_env?: readonly string[] }) {
  const missing = missingEnv(task.required_env);
  if (!missing.length) return;
  const list = missing.map((k) => `"${k}"`).join(", ");
  throw new DocketError(
    "env_missing",
    `Cannot run task "${task.name}": required variable${missing.length > 1 ? "s" : ""} ${list} ` +
      `${missing.length > 1 ? "are" : "is"} not set (an empty value counts as not set)`,
    {
      hint: `Set ${missing.join(", ")} in docket's environment (for timers: the unit's ` +
        "Environment= or EnvironmentFile=), or drop it from required_env",
      details: { task: task.name, missing },
    },
  );
}
