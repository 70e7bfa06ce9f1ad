/**
 * Loads the config: the one loader every command (and `docket mcp`, on every call) uses.
 *
 * The cached, already validated copy (`cache/config.json`) spares hot commands the YAML
 * parser and zod. It is keyed by the SHA-256 of the config file's content (with the path, the
 * home, $HOME and docket's version, which validation depends on), never by stat data: a
 * same-size edit with a restored mtime is a new key. And it is sealed with an HMAC under a
 * key only docket reads (core/cache_seal.ts): the cache decides which hooks run, so an edited
 * or planted cache file is ignored and the config validated again.
 */
import { dirname, join } from "../core/path.ts";
import { DocketError } from "../core/errors.ts";
import { VERSION } from "../version.ts";
import { lazy } from "../core/lazy.ts";
import { configPath, docketHome, homeDir, resolvePath } from "../core/paths.ts";
import { digest, seal, unseal } from "../core/cache_seal.ts";
import type { DocketConfig, TaskSection } from "./types.ts";

/** 2: sealed records keyed by content (1 was keyed by stat data, unsealed). */
const CACHE_VERSION = 2;
/** The last config this process loaded, by key: long-running processes re-check every call. */
let memo: { key: string; cfg: DocketConfig } | undefined;

export const TASK_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export async function loadConfig(
  opts: { noCache?: boolean; allowMissing?: boolean } = {},
): Promise<DocketConfig> {
  const home = docketHome();
  const path = configPath();
  const bytes = readConfig(path, opts.allowMissing === true);
  // No file is cached too: docket with drop-ins only must not load yaml and zod every call.
  const key = await digest(
    String(CACHE_VERSION),
    VERSION,
    path,
    home,
    homeDir(),
    bytes ? "present" : "absent",
    bytes ?? "",
  );
  if (!opts.noCache && memo?.key === key) return memo.cfg;
  const cacheFile = join(home, "cache", "config.json");
  if (!opts.noCache) {
    try {
      const body = await unseal(home, JSON.parse(Deno.readTextFileSync(cacheFile)));
      const cached = body === undefined ? undefined : JSON.parse(body);
      if (cached?.key === key && cached.config?.home === home) {
        return (memo = { key, cfg: cached.config }).cfg;
      }
    } catch {
      // no usable cache: validate below
    }
  }
  const text = bytes ? new TextDecoder().decode(bytes) : "";
  // Not followed at startup: validation pulls in yaml and zod (npm).
  const { validateConfigText } = await lazy<typeof import("./validate.ts")>(
    "./validate.ts",
    import.meta.url,
  );
  const cfg = await validateConfigText(text, { path, home, exists: bytes !== undefined });
  cfg.digest = key;
  await writeCache(cacheFile, home, JSON.stringify({ key, config: cfg }));
  return (memo = { key, cfg }).cfg;
}

/** The config file's bytes, or undefined when there is none (and that is allowed). */
function readConfig(path: string, allowMissing: boolean): Uint8Array | undefined {
  try {
    return Deno.readFileSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      throw new DocketError("config_invalid", `Cannot read config "${path}": ${msg(err)}`, {
        hint: "Check the file's permissions",
      });
    }
    // An explicitly named config that is missing is a mistake, not "use the defaults".
    if (Deno.env.get("DOCKET_CONFIG") && !allowMissing) {
      throw new DocketError("config_invalid", `Cannot find config "${path}" (from DOCKET_CONFIG)`, {
        hint: "Fix DOCKET_CONFIG, or create the file with `docket configure`",
      });
    }
    return undefined;
  }
}

async function writeCache(file: string, home: string, body: string): Promise<void> {
  try {
    const record = await seal(home, body);
    if (!record) return; // no trusted key: a cache nobody can verify is not written
    Deno.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
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
