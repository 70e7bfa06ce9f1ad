/**
 * Loads ONE untrusted task module in its own realm (a Worker of the meta harness) and posts
 * its metadata as a plain object. Whatever the module patches here (JSON, TextEncoder,
 * postMessage) can only change its own report: the harness validates the shape and writes the
 * frame from its realm. Imports nothing, so its only read grant is this file.
 */

// Typed by hand: a `deno.worker` lib reference would apply to every file checked with this one.
const scope = globalThis as unknown as {
  name: string;
  postMessage(msg: unknown): void;
  addEventListener(type: string, fn: (e: any) => void): void;
};
// No web storage: it needs no permission and persists in DENO_DIR (see harness.ts).
for (const k of ["localStorage", "sessionStorage", "caches", "Worker"]) {
  Reflect.deleteProperty(globalThis, k);
}
const file = scope.name;
const post = scope.postMessage.bind(scope);
let reported = false;

function report(msg: { ok: true; meta: Record<string, unknown> }): void {
  if (reported) return;
  reported = true;
  post(msg);
}

/** Failures are reported as strings only; the harness classifies them. */
function fail(e: unknown): void {
  if (reported) return;
  reported = true;
  let name = "", message = "";
  try {
    name = e instanceof Error ? String(e.name) : "";
    message = e instanceof Error ? String(e.message) : String(e);
  } catch {
    message = "the module threw a value that cannot be described";
  }
  post({ ok: false, error: { name, message } });
}

// A stray async failure at top level (e.g. a denied write) fails this module alone.
scope.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  fail(e.reason);
});
scope.addEventListener("error", (e) => {
  e.preventDefault();
  fail(e.error ?? e.message);
});
// Deno.exit() in a worker would end it silently (the harness would wait for its timeout).
Object.defineProperty(Deno, "exit", {
  value: () => {
    throw new Error("Deno.exit() was called while loading the module");
  },
});

// The harness's idle probe: answered only while this realm's event loop is free, i.e. the
// module's top level is awaiting, not computing (see pool in meta_harness.ts).
scope.addEventListener("message", (e) => {
  if (e.data === "docket:ping") post("docket:pong");
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

try {
  const mod = await import(file);
  // One macrotask turn, so a top-level promise rejected right away is reported first.
  await new Promise((r) => setTimeout(r, 0));
  const t = mod.default;
  if (!t || typeof t !== "object" || typeof t.run !== "function") {
    fail("default export must be defineTask({...})");
  } else {
    const meta: Record<string, unknown> = {};
    for (const k of KEYS) if (t[k] !== undefined) meta[k] = JSON.parse(JSON.stringify(t[k]));
    meta.schema = JSON.parse(JSON.stringify(schemaJson(t.schema)) ?? "{}");
    meta.standard_schema = !!(t.schema && t.schema["~standard"]);
    meta.has_dry_run = typeof t.dryRun === "function";
    report({ ok: true, meta });
  }
} catch (err) {
  fail(err);
}
