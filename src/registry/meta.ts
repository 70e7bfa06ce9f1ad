/**
 * Reads drop-in module metadata in a sandboxed child; caches it by path and the file's
 * identity (size, mtime, ctime, inode, device) under docket's version. The cache holds the
 * grants docket hands out, so it is sealed (core/cache_seal.ts): an edited or planted
 * `cache/meta.json` counts as empty and every module is scanned again.
 */
import { dirname, fromFileUrl, join } from "../core/path.ts";
import type { DocketConfig } from "../config/types.ts";
import type { ErrorJson } from "../core/errors.ts";
import type { ModuleMeta } from "./registry.ts";
import { FrameDemuxer } from "../sandbox/protocol.ts";
import { BASE_ENV, TASK_API_FILES } from "../sandbox/permissions.ts";
import { VERSION } from "../version.ts";
import { seal, unseal } from "../core/cache_seal.ts";
import { lazy } from "../core/lazy.ts";
import { modulePathProblem, shownPath } from "./module_path.ts";

interface Entry {
  key: string;
  meta?: ModuleMeta;
  error?: ErrorJson;
  /** When a failure was recorded: failures are retried after FAILURE_TTL_MS. */
  failed_at?: number;
}

/**
 * A failing module is scanned again at most once a minute: a module that hangs must not cost
 * its 5 s limit on every command (an edit to the module itself is seen at once, by its key).
 */
const FAILURE_TTL_MS = 60_000;

type Result = { meta?: ModuleMeta; error?: ErrorJson };

/**
 * 2: entries written by the single-realm harness may hold another module's forged report.
 * 3: entries written before the module contract check (module_contract.ts) may hold defaults
 * for docket's own keys.
 * 4: the file is sealed.
 */
const CACHE_VERSION = 4;
const HARNESS = new URL("../sandbox/meta_harness.ts", import.meta.url);
const WORKER = fromFileUrl(new URL("../sandbox/meta_worker.ts", import.meta.url));
/** Modules loading at once in the child, each in its own worker. */
const CONCURRENCY = 4;
/** Bound on one module's top level, and on the whole child. */
const MODULE_TIMEOUT_MS = 5_000;
const SCAN_TIMEOUT_MS = 30_000;

/**
 * A file's identity, and when it last changed (ms). ctime is in it because it cannot be set
 * back: a same-size edit that keeps the mtime (rsync -a, cp -p, touch -d) still changes it.
 */
function fileKey(path: string): { key: string; changed: number | undefined } | undefined {
  try {
    const s = Deno.statSync(path);
    const { size, mtime, ctime, ino, dev } = s;
    const key = [CACHE_VERSION, VERSION, size, mtime?.getTime(), ctime?.getTime(), ino, dev];
    return { key: key.join("|"), changed: ctime?.getTime() };
  } catch {
    return undefined;
  }
}

/**
 * Deno reports ctime in whole seconds, so two edits within one second can share a key. As git
 * does with racily clean entries, a file is cached only if it was stat'ed in a later second
 * than its last change: any edit after that stat then lands in a later second too.
 */
function settled(changed: number | undefined, statedAt: number): boolean {
  return changed === undefined || Math.floor(changed / 1000) < Math.floor(statedAt / 1000);
}

/**
 * Metadata of `files`, from the cache or a sandboxed scan. With `scanOnly`, files outside it
 * are taken from the cache only (absent when not cached): a cheap look at what is known.
 */
export async function readModuleMeta(
  cfg: DocketConfig,
  files: string[],
  opts: { scanOnly?: string[] } = {},
): Promise<Map<string, Result>> {
  const out = new Map<string, Result>();
  if (files.length === 0) return out;
  const cacheFile = join(cfg.home, "cache", "meta.json");
  let cache: Record<string, Entry> = {};
  try {
    const body = await unseal(cfg.home, JSON.parse(Deno.readTextFileSync(cacheFile)));
    if (body !== undefined) cache = JSON.parse(body);
  } catch {
    // empty cache
  }
  const todo = new Map<string, { key: string; changed: number | undefined }>();
  const statedAt = Date.now();
  for (const f of files) {
    const problem = modulePathProblem(f, { dropin: dirname(f) === cfg.tasks_dir });
    if (problem) {
      const message = `Cannot load task module ${shownPath(f)}: ${problem}`;
      out.set(f, { error: { kind: "task_load_failed", message } });
      continue;
    }
    const id = fileKey(f);
    if (!id) {
      out.set(f, { error: { kind: "task_load_failed", message: `Task module "${f}" not found` } });
      continue;
    }
    const c = cache[f];
    const fresh = !c?.failed_at || Date.now() - c.failed_at < FAILURE_TTL_MS;
    if (c && c.key === id.key && fresh) out.set(f, c.error ? { error: c.error } : c);
    else if (!opts.scanOnly || opts.scanOnly.includes(f)) todo.set(f, id);
  }
  if (todo.size === 0) return out;
  const fresh = await scan([...todo.keys()]);
  // zod is loaded only when something was scanned; cached entries were checked then.
  const { contractError } = await lazy<typeof import("./module_contract.ts")>(
    "./module_contract.ts",
    import.meta.url,
  );
  for (const [f, { key, changed }] of todo) {
    let r = fresh.get(f) ?? {
      error: { kind: "task_load_failed" as const, message: "Task module could not be read" },
    };
    // Checked before caching, so what the cache holds is what may load.
    const bad = r.meta ? contractError(f, r.meta) : undefined;
    if (bad) r = { error: bad };
    out.set(f, r);
    // Not cached: a file that changed while it was read, or may still change unseen, or one
    // the scan never reached. A failure is cached for a minute only (a module it imports may
    // be fixed meanwhile).
    if (fileKey(f)?.key === key && settled(changed, statedAt) && !r.error?.details?.unscanned) {
      cache[f] = r.meta ? { key, ...r } : { key, ...r, failed_at: Date.now() };
    } else delete cache[f];
  }
  try {
    const record = await seal(cfg.home, JSON.stringify(cache));
    if (!record) return out; // no trusted key: nothing is cached
    Deno.mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
    Deno.renameSync(tmp, cacheFile);
  } catch {
    // cache is an optimisation
  }
  return out;
}

/**
 * Scans files in as few children as possible. A module that kills its child is blamed alone:
 * the files the child did not report are scanned again one at a time to find it.
 */
async function scan(files: string[]): Promise<Map<string, Result>> {
  const out = new Map<string, Result>();
  let remaining = files;
  let concurrency = CONCURRENCY;
  while (remaining.length) {
    const { results, stderr, timedOut } = await scanOnce(remaining, concurrency);
    for (const [k, v] of results) out.set(k, v);
    const missing = remaining.filter((f) => !results.has(f));
    if (missing.length === 0) break;
    if (timedOut) {
      for (const f of missing) {
        out.set(f, {
          error: {
            kind: "task_load_failed",
            message: `Cannot load task module "${f}": the metadata scan did not finish within ${
              SCAN_TIMEOUT_MS / 1000
            } s`,
            details: { unscanned: true },
          },
        });
      }
      break;
    }
    if (concurrency > 1 && missing.length > 1) {
      remaining = missing;
      concurrency = 1;
      continue;
    }
    const culprit = missing[0]!;
    out.set(culprit, {
      error: {
        kind: "task_load_failed",
        message: `Loading task module "${culprit}" ended its process: ${
          withoutSource(stderr.trim().split("\n").pop() || "no output")
        }`,
      },
    });
    remaining = missing.slice(1);
    concurrency = CONCURRENCY;
  }
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

async function scanOnce(files: string[], concurrency: number): Promise<{
  results: Map<string, Result>;
  stderr: string;
  timedOut: boolean;
}> {
  const nonce = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  // Frames are signed with a key only the harness's own realm sees: module code shares the
  // child's stdout, so without it a module could splice bytes into another module's frame.
  const rawKey = crypto.getRandomValues(new Uint8Array(32));
  const key = await crypto.subtle.importKey(
    "raw",
    rawKey,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const k of BASE_ENV) {
    const v = Deno.env.get(k);
    if (v !== undefined) env[k] = v;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      "--cached-only",
      // Only so that each worker can be narrowed to read its own module (see meta_harness.ts);
      // a worker's permissions can never exceed this process's.
      "--unstable-worker-options",
      `--allow-read=${[...files, ...TASK_API_FILES, WORKER].join(",")}`,
      HARNESS.href,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env,
  }).spawn();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // already gone
    }
  }, SCAN_TIMEOUT_MS);
  const w = child.stdin.getWriter();
  const input = {
    nonce,
    key: hex(rawKey),
    files,
    concurrency,
    timeoutMs: MODULE_TIMEOUT_MS,
    shared: [...TASK_API_FILES, WORKER],
  };
  await w.write(new TextEncoder().encode(JSON.stringify(input)));
  await w.close();
  const frames: string[] = [];
  const demux = new FrameDemuxer(nonce, () => {}, (kind, json) => {
    if (kind === "M") frames.push(json);
  });
  const [, stderr] = await Promise.all([
    (async () => {
      for await (const c of child.stdout) demux.push(c);
      demux.end();
    })(),
    stderrTail(child.stderr),
    child.status,
  ]);
  clearTimeout(timer);
  const wanted = new Set(files);
  const results = new Map<string, Result>();
  for (const json of frames) {
    const r = await verified(key, json);
    if (!r || typeof r.path !== "string" || !wanted.has(r.path) || results.has(r.path)) continue;
    const v: Result = {};
    if (r.ok === true && r.meta && typeof r.meta === "object") v.meta = r.meta as ModuleMeta;
    else {
      const e = (r.error ?? {}) as { kind?: unknown; message?: unknown };
      v.error = {
        kind: e.kind === "permission_denied" ? "permission_denied" : "task_load_failed",
        message: `Cannot load task module "${r.path}": ${withoutSource(String(e.message ?? ""))}`,
      };
    }
    results.set(r.path, v);
  }
  return { results, stderr, timedOut };
}

/**
 * A load error without the module's source: a parse error quotes the offending line (for a
 * file that is not code, a line of whatever it is), so only its position is kept.
 */
export function withoutSource(message: string): string {
  if (/SyntaxError|could not be parsed/.test(message)) {
    const at = message.match(/:(\d+):(\d+)\s*$/);
    return "its source is not valid TypeScript or JavaScript" +
      (at ? ` (line ${at[1]}, column ${at[2]})` : "");
  }
  // Any other code frame ("  |", "1 | …") is dropped; the message and stack lines stay.
  const kept = message.split("\n").filter((l) => !/^\s*\d*\s*\|/.test(l)).join("\n").trim();
  return kept.slice(0, 2000) || "unknown error";
}

/** A frame's payload if its MAC verifies, else undefined (bytes spliced in by module code). */
async function verified(
  key: CryptoKey,
  json: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const { mac, body } = JSON.parse(json) as { mac: unknown; body: unknown };
    if (typeof mac !== "string" || typeof body !== "string" || !/^[0-9a-f]{64}$/.test(mac)) {
      return undefined;
    }
    const sig = Uint8Array.from(mac.match(/../g)!, (h) => parseInt(h, 16));
    const ok = await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode(body));
    return ok ? JSON.parse(body) : undefined;
  } catch {
    return undefined;
  }
}

/** The last 8 KiB of a stream (a module can write gigabytes to stderr at its top level). */
async function stderrTail(stream: ReadableStream<Uint8Array>, limit = 8192): Promise<string> {
  let tail = new Uint8Array(0);
  for await (const c of stream) {
    const joined = new Uint8Array(tail.length + c.length);
    joined.set(tail);
    joined.set(c, tail.length);
    tail = joined.length > limit ? joined.slice(joined.length - limit) : joined;
  }
  return new TextDecoder().decode(tail);
}
