/**
 * Reads task metadata from untrusted modules inside the sandbox: the only grant is read access
 * to the module files themselves. Input on stdin: {nonce, files}; one "M" frame per file.
 */
import { errorFromThrown, framePrefix } from "./protocol.ts";

const enc = new TextEncoder();
const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as {
  nonce: string;
  files: string[];
};
const prefix = framePrefix(input.nonce);
let current = "";

function emit(obj: unknown): void {
  const b = enc.encode(`${prefix}M ${JSON.stringify(obj)}\n`);
  let off = 0;
  while (off < b.length) off += Deno.stdout.writeSync(b.subarray(off));
}

// A module's stray async failure (e.g. a denied write at top level) must not end the scan.
globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  if (current) emit({ path: current, ok: false, error: errorFromThrown(e.reason), late: true });
});

const KEYS = [
  "name",
  "description",
  "inputs",
  "outputs",
  "required_env",
  "network",
  "destructive",
  "writes",
  "reads",
  "exec",
  "sys",
  "max_memory_mb",
  "defaults",
] as const;

function schemaJson(schema: unknown): unknown {
  if (!schema || typeof schema !== "object") return {};
  const std = (schema as Record<string, any>)["~standard"];
  if (!std) return schema;
  try {
    const js = std.jsonSchema?.input?.({ target: "draft-2020-12" });
    if (js) return js;
  } catch {
    // fall through
  }
  try {
    const fn = (schema as Record<string, any>).toJSONSchema;
    if (typeof fn === "function") return fn.call(schema);
  } catch {
    // fall through
  }
  return { "x-standard-schema": String(std.vendor ?? "unknown") };
}

for (const file of input.files) {
  current = file;
  try {
    const mod = await import(file);
    const t = mod.default;
    if (!t || typeof t !== "object" || typeof t.run !== "function") {
      emit({
        path: file,
        ok: false,
        error: { kind: "task_load_failed", message: "default export must be defineTask({...})" },
      });
      continue;
    }
    const meta: Record<string, unknown> = {};
    for (const k of KEYS) if (t[k] !== undefined) meta[k] = JSON.parse(JSON.stringify(t[k]));
    meta.schema = schemaJson(t.schema);
    meta.standard_schema = !!(t.schema && t.schema["~standard"]);
    meta.has_dry_run = typeof t.dryRun === "function";
    emit({ path: file, ok: true, meta });
  } catch (err) {
    emit({ path: file, ok: false, error: errorFromThrown(err) });
  }
}
current = "";
