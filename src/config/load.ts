/**
 * Loads the config. Hot commands read a cached, already validated copy (keyed by the file's
 * path, size and mtime) and so load neither the YAML parser nor zod; a miss validates fully.
 */
import { dirname, join } from "../core/path.ts";
import { DocketError } from "../core/errors.ts";
import { VERSION } from "../version.ts";
import { lazy } from "../core/lazy.ts";
import { configPath, docketHome, resolvePath } from "../core/paths.ts";
import type { DocketConfig, TaskSection } from "./types.ts";

const CACHE_VERSION = 1;
let memo: DocketConfig | undefined;

export const TASK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export async function loadConfig(
  opts: { noCache?: boolean; allowMissing?: boolean } = {},
): Promise<DocketConfig> {
  if (memo && !opts.noCache) return memo;
  const home = docketHome();
  const path = configPath();
  let stat: Deno.FileInfo | undefined;
  try {
    stat = Deno.statSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new DocketError("config_invalid", `Cannot read config "${path}": ${msg(err)}`, {
        hint: "Check the file's permissions",
      });
    }
    // An explicitly named config that is missing is a mistake, not "use the defaults".
    if (Deno.env.get("DOCKET_CONFIG") && !opts.allowMissing) {
      throw new DocketError("config_invalid", `Cannot find config "${path}" (from DOCKET_CONFIG)`, {
        hint: "Fix DOCKET_CONFIG, or create the file with `docket configure`",
      });
    }
  }
  // No file is cached too: docket with drop-ins only must not load yaml and zod every call.
  const key = stat
    ? `${CACHE_VERSION}|${VERSION}|${path}|${stat.size}|${stat.mtime?.getTime()}|` +
      `${stat.ctime?.getTime()}|${stat.ino}|${stat.dev}`
    : `${CACHE_VERSION}|${VERSION}|${path}|absent`;
  const cacheFile = join(home, "cache", "config.json");
  if (!opts.noCache) {
    try {
      const cached = JSON.parse(Deno.readTextFileSync(cacheFile));
      if (cached.key === key && cached.home === home) return memo = cached.config;
    } catch {
      // no usable cache: validate below
    }
  }
  const text = stat ? readText(path) : "";
  // Not followed at startup: validation pulls in yaml and zod (npm).
  const { validateConfigText } = await lazy<typeof import("./validate.ts")>(
    "./validate.ts",
    import.meta.url,
  );
  const cfg = await validateConfigText(text, { path, home, exists: !!stat });
  writeCache(cacheFile, { key, home, config: cfg });
  return memo = cfg;
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (err) {
    throw new DocketError("config_invalid", `Cannot read config "${path}": ${msg(err)}`, {
      hint: "Check the file's permissions",
    });
  }
}

function writeCache(file: string, data: unknown): void {
  try {
    Deno.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(data), { mode: 0o600 });
    Deno.renameSync(tmp, file);
  } catch {
    // the cache is an optimisation only
  }
}

function msg(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Defaults for a config built from nothing (no file). */
export function defaultDirs(home: string, base: string, raw: {
  state_dir?: string | undefined;
  tasks_dir?: string | undefined;
  logs_dir?: string | undefined;
}): Pick<DocketConfig, "state_dir" | "tasks_dir" | "logs_dir"> {
  return {
    state_dir: raw.state_dir ? resolvePath(raw.state_dir, base) : join(home, "state.db"),
    tasks_dir: raw.tasks_dir ? resolvePath(raw.tasks_dir, base) : join(home, "tasks"),
    logs_dir: raw.logs_dir ? resolvePath(raw.logs_dir, base) : join(home, "logs"),
  };
}

export function taskSection(cfg: DocketConfig, name: string): TaskSection {
  return cfg.tasks[name] ?? {};
}
