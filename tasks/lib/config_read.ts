/**
 * Small readers for a task's config inside the sandbox.
 *
 * docket validates built-in config with zod in the orchestrator (`src/config/builtin_schemas.ts`)
 * before a run starts; the sandboxed task must not load npm code, so it re-checks only what it
 * reads, with these, and turns a bad value into a clear failed result instead of a crash.
 *
 * @module
 */

/** A config value the task cannot use. */
export class ConfigValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigValueError";
  }
}

type Config = Record<string, unknown>;

/** A non-empty string, or undefined when the key is absent or null. */
export function optString(config: Config, key: string): string | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string" || v.trim() === "") {
    throw new ConfigValueError(`"${key}" must be a non-empty string`);
  }
  return v;
}

/** A list of strings; absent or null is an empty list. */
export function stringList(config: Config, key: string): string[] {
  const v = config[key];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new ConfigValueError(`"${key}" must be a list of strings`);
  }
  return [...v];
}

export function optBool(config: Config, key: string): boolean | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "boolean") throw new ConfigValueError(`"${key}" must be true or false`);
  return v;
}

/** A number, or undefined when absent or null. */
export function optNumber(config: Config, key: string): number | undefined {
  const v = config[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) {
    throw new ConfigValueError(`"${key}" must be a number`);
  }
  return v;
}

/** One of `choices`, or `fallback` when absent or null. */
export function choice<T extends string>(
  config: Config,
  key: string,
  choices: readonly T[],
  fallback: T,
): T {
  const v = config[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string" || !(choices as readonly string[]).includes(v)) {
    throw new ConfigValueError(
      `"${key}" must be one of ${choices.map((c) => `"${c}"`).join(", ")}, got ${
        JSON.stringify(v)
      }`,
    );
  }
  return v as T;
}

/** True for `~` and `~/…`, the forms docket expands against the home directory. */
export function usesHome(path: string | undefined): boolean {
  return path !== undefined && (path === "~" || path.startsWith("~/"));
}

/** Expands a leading `~` or `~/`; other paths are returned unchanged. */
export function expandHome(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return `${home.replace(/\/+$/, "")}/${path.slice(2)}`;
  return path;
}

/**
 * The home directory, through `node:os` (needs the `sys: ["homedir"]` grant). Imported lazily:
 * the Node layer costs ~35 ms, paid only by runs that need a home.
 */
export async function homeDir(): Promise<string> {
  const os = await import("node:os");
  return os.homedir();
}

/**
 * `~` expansion for grants, which docket computes in the orchestrator (where `HOME` is
 * readable) before the run; the path is returned unchanged when it has no `~` or HOME is
 * unknown.
 */
export function expandForGrant(path: string): string {
  if (!usesHome(path)) return path;
  try {
    const home = Deno.env.get("HOME");
    return home === undefined ? path : expandHome(path, home);
  } catch {
    return path;
  }
}
