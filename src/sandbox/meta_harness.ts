/**
 * Reads task metadata from untrusted modules inside the sandbox: the only grant is read access
 * to the module files themselves. Input on stdin: {nonce, key, files, concurrency, timeoutMs};
 * one "M" frame per file, `{mac, body}` where mac is HMAC-SHA256(key, body).
 *
 * Each module loads in its own Worker (its own realm), so one module cannot patch the globals
 * another's report goes through; a report is attributed to the worker it came from, so a
 * module can only misstate its own metadata. Workers share this process's stdout but never see
 * the nonce or the key: bytes they write are log noise, never a frame that verifies.
 */
import { type ChildError, errorFromThrown, framePrefix } from "./protocol.ts";

type ModuleReport = { ok: true; meta: Record<string, unknown> } | { ok: false; error: ChildError };

// Captured before any worker exists (module code never runs in this realm, but be certain).
const stringify = JSON.stringify;
const encoder = new TextEncoder();
const encode = encoder.encode.bind(encoder);
const stdout = Deno.stdout;
const writeSync = stdout.writeSync.bind(stdout);
const subtle = crypto.subtle;
const WorkerCtor = Worker;
const setT = setTimeout;
const clearT = clearTimeout;

const WORKER = new URL("./meta_worker.ts", import.meta.url);
/** Messages of the idle probe (see pool); the worker answers before loading its module. */
const PING = "docket:ping";
const PONG = "docket:pong";
const IDLE_PROBE_MS = 200;
const BUSY_RELEASE_MS = 1000;
/** Workers alive at once (≈ 8 MB each, measured: 40 idle workers took 334 MB RSS). */
const MAX_PENDING = 64;

const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as {
  nonce: string;
  key: string;
  files: string[];
  concurrency: number;
  timeoutMs: number;
  /** Files every worker may read besides its module: the task API and meta_worker.ts. */
  shared: string[];
};
const prefix = framePrefix(input.nonce);
const key = await subtle.importKey(
  "raw",
  Uint8Array.from(input.key.match(/../g) ?? [], (h) => parseInt(h, 16)),
  { name: "HMAC", hash: "SHA-256" },
  false,
  ["sign"],
);

/** Past this a report is replaced by an error (docket drops oversized frames unread). */
const MAX_REPORT = 512 * 1024;
let written = Promise.resolve();

/** Resolves once this report is written (and every report queued before it). */
function emit(path: string, report: ModuleReport): Promise<void> {
  let body = stringify({ path, ...report });
  // Measured as it will be sent: escaped once more inside the frame, in UTF-8.
  if (encode(stringify(body)).length > MAX_REPORT) {
    const message = `its metadata is larger than ${MAX_REPORT / 1024} KiB`;
    body = stringify({ path, ok: false, error: { kind: "task_load_failed", message } });
  }
  written = written.then(async () => {
    const mac = new Uint8Array(await subtle.sign("HMAC", key, encode(body)));
    const hex = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
    const b = encode(`${prefix}M ${stringify({ mac: hex, body })}\n`);
    let off = 0;
    while (off < b.length) off += writeSync(b.subarray(off));
  });
  return written;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isStrings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
const isBool = (v: unknown) => typeof v === "boolean";
const isString = (v: unknown) => typeof v === "string";
const isStringMap = (v: unknown) => isObject(v) && Object.values(v).every(isString);

/** The metadata keys docket reads, each with its shape; other keys are dropped. */
const SHAPES: Record<string, [(v: unknown) => boolean, string]> = {
  name: [isString, "a string"],
  description: [isString, "a string"],
  inputs: [isStringMap, "an object of strings"],
  outputs: [isStringMap, "an object of strings"],
  schema: [isObject, "an object"],
  standard_schema: [isBool, "true or false"],
  has_dry_run: [isBool, "true or false"],
  defaults: [isObject, "an object"],
  required_env: [isStrings, "a list of strings"],
  network: [(v) => isBool(v) || isStrings(v), "true, false or a list of strings"],
  destructive: [isBool, "true or false"],
  writes: [isStrings, "a list of strings"],
  reads: [isStrings, "a list of strings"],
  exec: [isStrings, "a list of strings"],
  sys: [isStrings, "a list of strings"],
  max_memory_mb: [(v) => Number.isInteger(v) && (v as number) > 0, "a positive integer"],
};

function checkMeta(meta: unknown): ModuleReport {
  if (!isObject(meta)) {
    return { ok: false, error: { kind: "task_load_failed", message: "its report was malformed" } };
  }
  const clean: Record<string, unknown> = {};
  for (const [k, [ok, what]] of Object.entries(SHAPES)) {
    if (meta[k] === undefined) continue;
    if (!ok(meta[k])) {
      return { ok: false, error: { kind: "task_load_failed", message: `"${k}" must be ${what}` } };
    }
    clean[k] = meta[k];
  }
  return { ok: true, meta: clean };
}

/** What a worker posted, checked here: anything malformed is that module's load error. */
function fromWorker(data: unknown): ModuleReport {
  const d = data as { ok?: unknown; meta?: unknown; error?: { name?: unknown; message?: unknown } };
  if (d && typeof d === "object" && d.ok === true) return checkMeta(d.meta);
  if (d && typeof d === "object" && d.ok === false && d.error && typeof d.error === "object") {
    const name = typeof d.error.name === "string" ? d.error.name.slice(0, 100) : "";
    const message = typeof d.error.message === "string" ? d.error.message.slice(0, 2000) : "";
    if (!name) return { ok: false, error: { kind: "task_load_failed", message } };
    const err = new Error(message);
    err.name = name;
    return { ok: false, error: errorFromThrown(err) };
  }
  return { ok: false, error: { kind: "task_load_failed", message: "its report was malformed" } };
}

/**
 * Loads one module in its own worker. `onIdle` (its load slot may go) is called when the
 * module is still pending but its worker answers a ping, or at BUSY_RELEASE_MS (see pool).
 */
function load(file: string, onIdle?: () => void): Promise<ModuleReport> {
  return new Promise((resolve) => {
    let worker: Worker | undefined;
    let done = false;
    const finish = (r: ModuleReport) => {
      if (done) return;
      done = true;
      clearT(timer);
      clearT(probe);
      clearT(busy);
      worker?.terminate();
      resolve(r);
    };
    const probe = onIdle ? setT(() => worker?.postMessage(PING), IDLE_PROBE_MS) : undefined;
    // One that computes gives its slot up later, so spinning modules cannot queue the rest
    // behind their whole limits either (each still stops at its own limit).
    const busy = onIdle ? setT(onIdle, BUSY_RELEASE_MS) : undefined;
    const timer = setT(() =>
      finish({
        ok: false,
        error: {
          kind: "task_load_failed",
          message: `its top level did not finish within ${input.timeoutMs / 1000} s`,
        },
      }), input.timeoutMs);
    try {
      // Each worker reads exactly its module (and the shared files): this process may read
      // every module of the scan, a module may not read another's source.
      const permissions = {
        read: [file, ...input.shared],
        write: false,
        net: false,
        env: false,
        run: false,
        ffi: false,
        sys: false,
      };
      worker = new WorkerCtor(WORKER, {
        type: "module",
        name: file,
        deno: { permissions },
      } as WorkerOptions);
    } catch (err) {
      finish({ ok: false, error: errorFromThrown(err) });
      return;
    }
    worker.onmessage = (e) => {
      if (e.data === PONG) onIdle?.();
      else finish(fromWorker(e.data));
    };
    worker.onmessageerror = () =>
      finish({
        ok: false,
        error: { kind: "task_load_failed", message: "its report was malformed" },
      });
    // An uncaught error in the worker must fail that module alone, not end this process.
    worker.onerror = (e) => {
      e.preventDefault();
      finish({ ok: false, error: errorFromThrown(String(e.message)) });
    };
  });
}

/**
 * Bounded concurrency: `concurrency` loads hold a slot at once. A module still pending after
 * IDLE_PROBE_MS whose worker answers a ping awaits something (the hanging kind that costs no
 * CPU): it gives its slot up and runs on to its own limit, up to MAX_PENDING workers alive at
 * once, so N such modules cost about one per-module limit (40: ≈ 7 s, measured) and never
 * queue a good module behind them. One that computes gives its slot up after BUSY_RELEASE_MS:
 * spinning modules share the CPU with everything else, so they cost more (40 `while (true)`
 * modules: 23-32 s on this 2-core machine under load, measured; the good module after them
 * still loaded), bounded by docket's whole-scan limit, and modules that limit cuts off are not
 * cached as failures. With concurrency 1 (docket looking for a module that ended this
 * process) loads stay strictly one at a time: every report before the culprit is out first.
 */
async function pool(): Promise<void> {
  const slots = Math.max(1, input.concurrency);
  const strict = slots === 1;
  let next = 0, active = 0, alive = 0, finished = 0;
  await new Promise<void>((allDone) => {
    const fill = () => {
      if (finished === input.files.length) return allDone();
      while (next < input.files.length && active < slots && alive < MAX_PENDING) {
        const file = input.files[next++]!;
        active++;
        alive++;
        let holding = true;
        const release = () => {
          if (!holding) return;
          holding = false;
          active--;
          fill();
        };
        load(file, strict ? undefined : release).then(async (report) => {
          await emit(file, report);
          alive--;
          finished++;
          if (holding) release();
          else fill();
        });
      }
    };
    fill();
  });
}
await pool();
await written;
// A module may have started workers of its own that outlive the one it loaded in.
Deno.exit(0);
