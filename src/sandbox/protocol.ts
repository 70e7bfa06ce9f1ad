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
  runId: string;
  taskName: string;
  attempt: number;
  scratchDir: string;
  nonce: string;
}

export interface ChildError {
  kind: "permission_denied" | "schema_invalid" | "task_failed" | "task_load_failed";
  message: string;
  permission?: string;
  target?: string;
  issues?: unknown[];
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
  return { kind: "task_failed", message };
}

/**
 * Splits a byte stream into log bytes and frames. Handles frames split across chunks and
 * frames that start in the middle of a line of task output.
 */
export class FrameDemuxer {
  readonly #marker: Uint8Array;
  #buf: Uint8Array = new Uint8Array(0);
  #inFrame = false;
  readonly #onLog: (b: Uint8Array) => void;
  readonly #onFrame: (kind: string, json: string) => void;
  readonly #dec = new TextDecoder();

  constructor(
    nonce: string,
    onLog: (b: Uint8Array) => void,
    onFrame: (kind: string, json: string) => void,
  ) {
    this.#marker = new TextEncoder().encode(framePrefix(nonce));
    this.#onLog = onLog;
    this.#onFrame = onFrame;
  }

  push(chunk: Uint8Array): void {
    let data = chunk;
    if (this.#buf.length) {
      data = new Uint8Array(this.#buf.length + chunk.length);
      data.set(this.#buf);
      data.set(chunk, this.#buf.length);
      this.#buf = new Uint8Array(0);
    }
    let pos = 0;
    while (pos < data.length) {
      if (this.#inFrame) {
        const nl = data.indexOf(0x0a, pos);
        if (nl < 0) {
          this.#buf = data.slice(pos);
          return;
        }
        const body = this.#dec.decode(data.subarray(pos, nl));
        this.#inFrame = false;
        this.#onFrame(body.slice(0, 1), body.slice(2));
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
        this.#buf = data.slice(start);
        return;
      }
      this.#inFrame = true;
      pos = start + m.length;
    }
  }

  /** Flushes what is left at end of stream (an unterminated frame is dropped as log). */
  end(): void {
    if (this.#buf.length && !this.#inFrame) this.#onLog(this.#buf);
    this.#buf = new Uint8Array(0);
  }
}
