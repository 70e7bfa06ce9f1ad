/**
 * The framed protocol between the sandboxed child and docket. A frame is
 * `\x1eDKT<nonce><kind> <json>\n`; the nonce is random per run, so ordinary task output cannot
 * be mistaken for a frame. Shared by the child harness: no npm code, no Deno permissions.
 */
export const FRAME_START = 0x1e;
export type FrameKind = "E" | "R" | "M";

export interface ChildInput {
  module: string;
  config: Record<string, unknown>;
  dryRun: boolean;
  /**
   * Whether the task has a dryRun as its metadata scan saw it (what describe and MCP report):
   * false means a dry run only previews, even if the module shows a dryRun at run time.
   */
  hasDryRun?: boolean;
  runId: string;
  taskName: string;
  attempt: number;
  scratchDir: string;
  nonce: string;
  /**
   * The task's kill_grace_seconds in ms: after SIGTERM the harness aborts `ctx.signal` at once
   * and exits shortly before docket would SIGKILL, so cleanup on abort gets that long.
   */
  graceMs?: number;
  /** sha-256 (hex) of the module as admitted: checked right before the import. */
  moduleSha256?: string | null;
  /**
   * The task's timeout_seconds in ms: the harness's own deadline. At it, `ctx.signal` aborts;
   * at deadline + grace the harness exits with HARNESS_DEADLINE_EXIT, so a runner that cannot
   * act (stopped, frozen) does not extend the run past its limit.
   */
  deadlineMs?: number;
}

/** Exit code of a harness that ended itself at its deadline (as `timeout(1)` uses). */
export const HARNESS_DEADLINE_EXIT = 124;

export interface ChildError {
  kind:
    | "permission_denied"
    | "schema_invalid"
    | "task_failed"
    | "task_load_failed"
    | "task_changed";
  message: string;
  permission?: string;
  target?: string;
  issues?: unknown[];
  /** The thrown error's stack (the task's frames, file:line:column), harness frames trimmed. */
  stack?: string;
}

export interface ResultFrame {
  ok: boolean;
  summary: string;
  details?: Record<string, unknown>;
  error?: ChildError;
}

export interface EventFrame {
  type: string;
  ts: string;
  data?: Record<string, unknown>;
}

/** In a Deno task's scratch dir: the grace (ms) of a `cancel --grace`, read by the harness. */
export const HARNESS_GRACE_FILE = ".docket-cancel-grace-ms";

export function framePrefix(nonce: string): string {
  return `\x1eDKT${nonce}`;
}

const DENIAL = /Requires (\w+) access(?: to "([^"]*)")?/;

/** Reads a Deno permission denial (thrown error or stderr text) into kind/permission/target. */
export function classifyDenial(text: string): { permission: string; target?: string } | undefined {
  const m = DENIAL.exec(text);
  if (m) return m[2] !== undefined ? { permission: m[1]!, target: m[2] } : { permission: m[1]! };
  if (/Requires --allow-run permissions/.test(text)) return { permission: "run" };
  if (/requires unscoped --allow-read and --allow-write/.test(text)) return { permission: "write" };
  if (/Can't escalate parent thread permissions/.test(text)) return { permission: "worker" };
  // Tasks without network: true run with --cached-only: fetching a module is network access.
  const uncached = /(Specifier|npm package) not found in cache: "([^"]*)", --cached-only/.exec(
    text,
  );
  if (uncached) {
    return {
      permission: "import",
      target: (uncached[1] === "npm package" ? "npm:" : "") + uncached[2],
    };
  }
  if (/NotCapable/.test(text)) return { permission: "unknown" };
  return undefined;
}

export function errorFromThrown(err: unknown): ChildError {
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  const denial = (err instanceof Error && err.name === "NotCapable") ||
      /Requires .*(access|permissions)|NotCapable|escalate parent thread|--cached-only is spec/
        .test(message)
    ? classifyDenial(message)
    : undefined;
  if (denial) {
    const e: ChildError = { kind: "permission_denied", message, permission: denial.permission };
    if (denial.target !== undefined) e.target = denial.target;
    return e;
  }
  const stack = taskStack(err);
  return stack ? { kind: "task_failed", message, stack } : { kind: "task_failed", message };
}

const MAX_STACK_LINES = 40;

/**
 * The stack of a thrown Error without docket's own frames (the harness that called the task,
 * Deno's internals): what the task's author needs is where in their code it threw.
 */
export function taskStack(err: unknown): string | undefined {
  if (!(err instanceof Error) || typeof err.stack !== "string") return undefined;
  const lines = err.stack.split("\n");
  const frames = lines.filter((l) => /^\s+at /.test(l));
  const kept = frames.filter((l) => !/\/sandbox\/harness\.ts:|\bext:|node:internal/.test(l));
  if (!kept.length) return undefined;
  const head = lines.slice(0, lines.findIndex((l) => /^\s+at /.test(l)));
  return [...head, ...kept.slice(0, MAX_STACK_LINES)].join("\n").slice(0, 16 * 1024);
}

/** A result frame larger than this is dropped: the run fails with a clear message. */
export const MAX_RESULT_FRAME = 4 * 1024 * 1024;
/** Any other frame (an event) larger than this is dropped and counted. */
export const MAX_EVENT_FRAME = 1024 * 1024;

/**
 * Splits a byte stream into log bytes and frames. Handles frames split across chunks and
 * frames that start in the middle of a line of task output. A frame body is kept as a list of
 * chunks (joined once, at its newline) and capped: past MAX_RESULT_FRAME for "R" frames, or
 * MAX_EVENT_FRAME for the others, its bytes are discarded and `onOversize` is told instead, so
 * a task cannot make docket buffer (or record) an unbounded frame.
 */
export class FrameDemuxer {
  readonly #marker: Uint8Array;
  /** A possible frame marker cut at the end of the last chunk (shorter than the marker). */
  #pending: Uint8Array = new Uint8Array(0);
  #inFrame = false;
  #parts: Uint8Array[] = [];
  #size = 0;
  #kind = -1;
  #oversize = false;
  readonly #onLog: (b: Uint8Array) => void;
  readonly #onFrame: (kind: string, json: string) => void;
  readonly #onOversize: ((kind: string, bytes: number) => void) | undefined;
  readonly #dec = new TextDecoder();

  constructor(
    nonce: string,
    onLog: (b: Uint8Array) => void,
    onFrame: (kind: string, json: string) => void,
    onOversize?: (kind: string, bytes: number) => void,
  ) {
    this.#marker = new TextEncoder().encode(framePrefix(nonce));
    this.#onLog = onLog;
    this.#onFrame = onFrame;
    this.#onOversize = onOversize;
  }

  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#pending.length) {
      // Only a partial marker is ever pending, so this copy is bounded per chunk.
      data = new Uint8Array(this.#pending.length + chunk.length);
      data.set(this.#pending);
      data.set(chunk, this.#pending.length);
      this.#pending = new Uint8Array(0);
    }
    let pos = 0;
    while (pos < data.length) {
      if (this.#inFrame) {
        const nl = data.indexOf(0x0a, pos);
        this.#take(data.subarray(pos, nl < 0 ? data.length : nl));
        if (nl < 0) return;
        this.#endFrame();
        pos = nl + 1;
        continue;
      }
      const start = data.indexOf(FRAME_START, pos);
      if (start < 0) {
        this.#onLog(data.subarray(pos));
        return;
      }
      if (start > pos) this.#onLog(data.subarray(pos, start));
      const have = data.length - start;
      const m = this.#marker;
      const n = Math.min(have, m.length);
      let match = true;
      for (let i = 0; i < n; i++) {
        if (data[start + i] !== m[i]) {
          match = false;
          break;
        }
      }
      if (!match) {
        this.#onLog(data.subarray(start, start + 1));
        pos = start + 1;
        continue;
      }
      if (have < m.length) {
        this.#pending = data.slice(start);
        return;
      }
      this.#inFrame = true;
      pos = start + m.length;
    }
  }

  /** Flushes what is left at end of stream (an unterminated frame is dropped). */
  end(): void {
    if (this.#pending.length) this.#onLog(this.#pending);
    this.#pending = new Uint8Array(0);
    this.#reset();
  }

  #take(bytes: Uint8Array): void {
    if (!bytes.length) return;
    if (this.#kind < 0) this.#kind = bytes[0]!;
    this.#size += bytes.length;
    if (this.#oversize) return;
    const cap = this.#kind === 0x52 /* R */ ? MAX_RESULT_FRAME : MAX_EVENT_FRAME;
    if (this.#size > cap) {
      this.#oversize = true;
      this.#parts = [];
      return;
    }
    this.#parts.push(bytes.slice());
  }

  #endFrame(): void {
    const kind = this.#kind < 0 ? "" : String.fromCharCode(this.#kind);
    const oversize = this.#oversize, size = this.#size, parts = this.#parts;
    this.#reset(); // before the callbacks: one that throws must not leave us inside a frame
    if (oversize) {
      this.#onOversize?.(kind, size);
      return;
    }
    let body = parts[0] ?? new Uint8Array(0);
    if (parts.length > 1) {
      body = new Uint8Array(size);
      let off = 0;
      for (const p of parts) {
        body.set(p, off);
        off += p.length;
      }
    }
    const text = this.#dec.decode(body);
    this.#onFrame(text.slice(0, 1), text.slice(2));
  }

  #reset(): void {
    this.#inFrame = false;
    this.#parts = [];
    this.#size = 0;
    this.#kind = -1;
    this.#oversize = false;
  }
}
