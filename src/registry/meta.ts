/** Reads drop-in module metadata in a sandboxed child; caches it by path, size and mtime. */
import { dirname, join } from "../core/path.ts";
import type { DocketConfig } from "../config/types.ts";
import type { ErrorJson } from "../core/errors.ts";
import type { ModuleMeta } from "./registry.ts";
import { FrameDemuxer } from "../sandbox/protocol.ts";
import { BASE_ENV, TASK_API_FILES } from "../sandbox/permissions.ts";

interface Entry {
  key: string;
  meta?: ModuleMeta;
  error?: ErrorJson;
}

const CACHE_VERSION = 1;
const HARNESS = new URL("../sandbox/meta_harness.ts", import.meta.url);

function fileKey(path: string): string | undefined {
  try {
    const s = Deno.statSync(path);
    return `${CACHE_VERSION}|${s.size}|${s.mtime?.getTime()}`;
  } catch {
    return undefined;
  }
}

export async function readModuleMeta(
  cfg: DocketConfig,
  files: string[],
): Promise<Map<string, { meta?: ModuleMeta; error?: ErrorJson }>> {
  const out = new Map<string, { meta?: ModuleMeta; error?: ErrorJson }>();
  if (files.length === 0) return out;
  const cacheFile = join(cfg.home, "cache", "meta.json");
  let cache: Record<string, Entry> = {};
  try {
    cache = JSON.parse(Deno.readTextFileSync(cacheFile));
  } catch {
    // empty cache
  }
  const todo: string[] = [];
  for (const f of files) {
    const key = fileKey(f);
    if (!key) {
      out.set(f, { error: { kind: "task_load_failed", message: `Task module "${f}" not found` } });
      continue;
    }
    const c = cache[f];
    if (c && c.key === key) out.set(f, c);
    else todo.push(f);
  }
  if (todo.length === 0) return out;
  const fresh = await scan(todo);
  for (const f of todo) {
    const r = fresh.get(f) ?? {
      error: { kind: "task_load_failed" as const, message: "Task module could not be read" },
    };
    out.set(f, r);
    const key = fileKey(f);
    // Failures are not cached: the next call retries (a fix may not change size or mtime).
    if (key && r.meta) cache[f] = { key, ...r };
    else delete cache[f];
  }
  try {
    Deno.mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify(cache), { mode: 0o600 });
    Deno.renameSync(tmp, cacheFile);
  } catch {
    // cache is an optimisation
  }
  return out;
}

/** Scans files in as few children as possible; a module that kills its child is blamed alone. */
async function scan(
  files: string[],
): Promise<Map<string, { meta?: ModuleMeta; error?: ErrorJson }>> {
  const out = new Map<string, { meta?: ModuleMeta; error?: ErrorJson }>();
  let remaining = files;
  while (remaining.length) {
    const { results, stderr } = await scanOnce(remaining);
    for (const [k, v] of results) if (!out.has(k) || v.late) out.set(k, v);
    const idx = remaining.findIndex((f) => !results.has(f));
    if (idx < 0) break;
    const culprit = remaining[idx]!;
    out.set(culprit, {
      error: {
        kind: "task_load_failed",
        message: `Loading task module "${culprit}" ended its process: ${
          stderr.trim().split("\n").pop() ?? "no output"
        }`,
      },
    });
    remaining = remaining.slice(idx + 1);
  }
  return out;
}

async function scanOnce(files: string[]): Promise<{
  results: Map<string, { meta?: ModuleMeta; error?: ErrorJson; late?: boolean }>;
  stderr: string;
}> {
  const nonce = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
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
      `--allow-read=${[...files, ...TASK_API_FILES].join(",")}`,
      HARNESS.href,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    clearEnv: true,
    env,
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify({ nonce, files })));
  await w.close();
  const results = new Map<string, { meta?: ModuleMeta; error?: ErrorJson; late?: boolean }>();
  const demux = new FrameDemuxer(nonce, () => {}, (_kind, json) => {
    const r = JSON.parse(json);
    const v: { meta?: ModuleMeta; error?: ErrorJson; late?: boolean } = {};
    if (r.ok) v.meta = r.meta;
    else {
      v.error = {
        kind: r.error.kind === "permission_denied" ? "permission_denied" : "task_load_failed",
        message: `Cannot load task module "${r.path}": ${r.error.message}`,
      };
    }
    if (r.late) v.late = true;
    results.set(r.path, v);
  });
  const [, stderr] = await Promise.all([
    (async () => {
      for await (const c of child.stdout) demux.push(c);
      demux.end();
    })(),
    new Response(child.stderr).text(),
    child.status,
  ]);
  return { results, stderr };
}
