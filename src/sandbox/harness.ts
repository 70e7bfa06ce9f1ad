/**
 * The program every TypeScript task runs in: `deno run --no-prompt <derived flags> harness.ts`.
 * It reads its input (module, config, run context) from stdin, imports the task module,
 * validates the config against a Standard Schema if the task has one, calls run/dryRun and
 * writes a result frame. No npm code and no imports beyond protocol.ts: it is the hot path.
 */
import {
  type ChildInput,
  errorFromThrown,
  type EventFrame,
  framePrefix,
  HARNESS_DEADLINE_EXIT,
  HARNESS_GRACE_FILE,
  type ResultFrame,
} from "./protocol.ts";

const enc = new TextEncoder();
let prefix = "";
let done = false;

function writeAll(bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += Deno.stdout.writeSync(bytes.subarray(off));
}

function frame(kind: string, obj: unknown): void {
  writeAll(enc.encode(`${prefix}${kind} ${JSON.stringify(obj)}\n`));
}

function finish(result: ResultFrame, code: number): never {
  if (!done) {
    done = true;
    try {
      frame("R", result);
    } catch (err) {
      frame("R", {
        ok: false,
        summary: "Result could not be serialised",
        error: errorFromThrown(err),
      });
    }
  }
  Deno.exit(code);
}

function failWith(err: unknown): never {
  const error = errorFromThrown(err);
  // The log gets the stack too (stderr is captured there), for the author reading it later.
  if (error.stack) {
    try {
      Deno.stderr.writeSync(enc.encode(`Task threw: ${error.stack}\n`));
    } catch {
      // stderr closed: the result frame still carries it
    }
  }
  const summary = error.kind === "permission_denied"
    ? `Permission denied: ${error.permission}${error.target ? ` "${error.target}"` : ""}`
    : `Task threw: ${error.message}`;
  return finish({ ok: false, summary, error }, 1);
}

// Web storage needs no Deno permission and persists in DENO_DIR, shared by every task (the
// harness is the same main module for all): a channel around the sandbox. Tasks get none, and
// no Worker either (a Worker's realm has its own `caches`).
for (const k of ["localStorage", "sessionStorage", "caches", "Worker"]) {
  Reflect.deleteProperty(globalThis, k);
}

globalThis.addEventListener("unhandledrejection", (e) => {
  e.preventDefault();
  failWith(e.reason);
});
globalThis.addEventListener("error", (e) => {
  e.preventDefault();
  failWith(e.error ?? e.message);
});

async function readStdin(): Promise<string> {
  // Deno.stdin.read, not .readable: loading the web streams code costs ~5 ms (measured).
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  for (let n; (n = await Deno.stdin.read(buf)) !== null;) chunks.push(buf.slice(0, n));
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return new TextDecoder().decode(all);
}

const input = JSON.parse(await readStdin()) as ChildInput;
prefix = framePrefix(input.nonce);
const controller = new AbortController();
try {
  // ctx.signal aborts at once; the task then has its kill_grace_seconds to clean up, less a
  // margin so we exit before docket's SIGKILL (which would cut a cleanup mid-write).
  const graceMs = typeof input.graceMs === "number" ? input.graceMs : 5000;
  Deno.addSignalListener("SIGTERM", () => {
    controller.abort(new Error("cancelled"));
    // `cancel --grace S`: the runner wrote S (ms) into the scratch dir before signalling.
    let ms = graceMs;
    try {
      const asked = Number(Deno.readTextFileSync(`${input.scratchDir}/${HARNESS_GRACE_FILE}`));
      if (Number.isFinite(asked) && asked >= 0) ms = asked;
    } catch {
      // no cancel grace: kill_grace_seconds
    }
    setTimeout(() => Deno.exit(143), Math.max(0, ms - 250));
  });
} catch {
  // signals unsupported: the default action terminates us
}
// Our own deadline, should docket's runner be unable to stop us (SIGSTOP, frozen, swapped):
// the limit aborts ctx.signal, the limit plus the grace ends the process.
if (typeof input.deadlineMs === "number" && input.deadlineMs > 0) {
  const graceMs = typeof input.graceMs === "number" ? input.graceMs : 5000;
  const t = setTimeout(() => {
    controller.abort(new Error("timeout"));
    Deno.unrefTimer(setTimeout(() => Deno.exit(HARNESS_DEADLINE_EXIT), graceMs));
  }, input.deadlineMs);
  Deno.unrefTimer(t);
}

// Decide once: the bytes about to be imported are those admitted (docket checked them before
// the spawn too; this closes the gap to the import, before any module code runs).
if (typeof input.moduleSha256 === "string") {
  let now = "";
  try {
    const digest = await crypto.subtle.digest("SHA-256", Deno.readFileSync(new URL(input.module)));
    now = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  } catch (err) {
    now = `unreadable: ${(err as Error).message}`;
  }
  if (now !== input.moduleSha256) {
    const message = "the task module changed since the run was admitted";
    finish({
      ok: false,
      summary: `Cannot run: ${message}`,
      error: { kind: "task_changed", message },
    }, 1);
  }
}

let mod: { default?: Record<string, unknown> };
try {
  mod = await import(input.module);
} catch (err) {
  const e = errorFromThrown(err);
  if (e.kind !== "permission_denied") e.kind = "task_load_failed";
  finish({ ok: false, summary: `Cannot load task module: ${e.message}`, error: e }, 1);
}
const task = mod.default as Record<string, any> | undefined;
if (!task || typeof task.run !== "function") {
  finish({
    ok: false,
    summary: "Task module has no default export with a run() function",
    error: { kind: "task_load_failed", message: "default export must be defineTask({...})" },
  }, 1);
}

const schema = task.schema as { "~standard"?: { validate(v: unknown): unknown } } | undefined;
let config = input.config;
if (schema && schema["~standard"]) {
  let res = schema["~standard"].validate(config) as
    | { value?: unknown; issues?: { message: string; path?: unknown[] }[] }
    | Promise<{ value?: unknown; issues?: { message: string; path?: unknown[] }[] }>;
  if (res instanceof Promise) res = await res;
  if (res.issues) {
    const first = res.issues[0];
    const path = (first?.path ?? []).map((p) =>
      typeof p === "object" && p && "key" in p ? String((p as { key: unknown }).key) : String(p)
    ).join(".");
    finish({
      ok: false,
      summary: `Config does not match the task's schema: ${
        path ? path + ": " : ""
      }${first?.message}`,
      error: { kind: "schema_invalid", message: first?.message ?? "invalid", issues: res.issues },
    }, 1);
  }
  config = res.value as Record<string, unknown>;
}

const ctx = {
  runId: input.runId,
  taskName: input.taskName,
  dryRun: input.dryRun,
  attempt: input.attempt,
  scratchDir: input.scratchDir,
  signal: controller.signal,
  event(type: string, data?: Record<string, unknown>): void {
    const ev: EventFrame = { type: String(type), ts: new Date().toISOString() };
    if (data !== undefined) ev.data = data;
    frame("E", ev);
  },
};

try {
  let result: ResultFrame;
  if (input.dryRun && (input.hasDryRun === false || typeof task.dryRun !== "function")) {
    result = {
      ok: true,
      summary: `Would run task "${input.taskName}" (it has no dryRun: nothing was executed)`,
      details: { preview: true },
    };
  } else {
    const fn = input.dryRun ? task.dryRun : task.run;
    result = await fn.call(task, config, ctx);
  }
  if (!result || typeof result !== "object" || typeof result.ok !== "boolean") {
    finish({
      ok: false,
      summary: "Task returned an invalid result (want { ok: boolean, summary: string })",
      error: { kind: "task_failed", message: "invalid result" },
    }, 1);
  }
  const out: ResultFrame = { ok: result.ok, summary: String(result.summary ?? "") };
  if (result.details !== undefined) out.details = result.details;
  finish(out, 0);
} catch (err) {
  failWith(err);
}
