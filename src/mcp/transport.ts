/**
 * The stdio transport of `docket mcp`, with bounds. The SDK's StdioServerTransport closes the
 * connection — and so ends the server, silently — when a line outgrows its 10 MiB buffer
 * (measured: a 12 MB line), and drops a line that is not JSON without an answer. Here a line
 * over MAX_MESSAGE_BYTES is skipped to its end and answered with a JSON-RPC error (with the
 * request's id when it can be read from the line's ends), a line that is not JSON gets a
 * parse error, a request a guard refuses gets its error, and the server goes on.
 */
import process from "node:process";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type JSONRPCMessage, JSONRPCMessageSchema } from "@modelcontextprotocol/sdk/types.js";

/** The largest JSON-RPC message (one line) the server reads: 1 MiB. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

export interface RpcError {
  code: number;
  message: string;
}

/** Looks at a parsed request before the server does; an error refuses it. */
export type Guard = (m: JSONRPCMessage) => RpcError | null;

const KEEP = 512;
const ID_AT_END = /"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")\s*}\s*$/;
const ID_AT_START = /^\s*\{(?:[^{}]*?,)?\s*"id"\s*:\s*(-?\d{1,15}|"(?:[^"\\]|\\.){0,200}")/;

/** The id of a request too big to parse, from its first or last bytes (the SDK puts it last). */
export function idFromEnds(head: string, tail: string): string | number | null {
  const m = tail.match(ID_AT_END) ?? head.match(ID_AT_START);
  if (!m) return null;
  try {
    const v = JSON.parse(m[1]!);
    return typeof v === "string" || typeof v === "number" ? v : null;
  } catch {
    return null;
  }
}

export class BoundedStdioTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  #chunks: Uint8Array[] = [];
  #size = 0;
  /** Skipping an oversized line: its first and last bytes (for its id) and its length. */
  #skip: { head: Uint8Array; tail: Uint8Array; size: number } | null = null;
  #closed = false;
  readonly #decoder = new TextDecoder();

  constructor(
    private readonly guard: Guard = () => null,
    private readonly max = MAX_MESSAGE_BYTES,
  ) {}

  #ondata = (chunk: Uint8Array) => {
    try {
      this.#take(chunk);
    } catch (err) {
      // Never close over a bad input: report it and keep reading.
      console.error(`[docket mcp] cannot read a message: ${(err as Error).message}`);
    }
  };

  start(): Promise<void> {
    process.stdin.on("data", this.#ondata);
    process.stdin.on("error", (e: Error) => this.onerror?.(e));
    return Promise.resolve();
  }

  #take(chunk: Uint8Array): void {
    let from = 0;
    while (from <= chunk.length) {
      const nl = chunk.indexOf(0x0a, from);
      const part = chunk.subarray(from, nl === -1 ? chunk.length : nl);
      this.#append(part);
      if (nl === -1) return;
      this.#endLine();
      from = nl + 1;
    }
  }

  #append(part: Uint8Array): void {
    if (!part.length) return;
    if (this.#skip) {
      this.#skip.size += part.length;
      this.#skip.tail = lastBytes(this.#skip.tail, part);
      return;
    }
    this.#chunks.push(part.slice());
    this.#size += part.length;
    if (this.#size > this.max) {
      const all = concat(this.#chunks);
      this.#skip = {
        head: all.slice(0, KEEP),
        tail: all.slice(-KEEP),
        size: all.length,
      };
      this.#chunks = [];
      this.#size = 0;
    }
  }

  #endLine(): void {
    if (this.#skip) {
      const s = this.#skip;
      this.#skip = null;
      const id = idFromEnds(this.#decoder.decode(s.head), this.#decoder.decode(s.tail));
      console.error(`[docket mcp] refused a ${s.size}-byte message (limit ${this.max} bytes)`);
      this.#reply(id, {
        code: -32600,
        message: `Request too large: ${s.size} bytes; docket mcp reads messages of at most ` +
          `${this.max} bytes`,
      });
      return;
    }
    const line = this.#decoder.decode(concat(this.#chunks)).replace(/\r$/, "");
    this.#chunks = [];
    this.#size = 0;
    if (!line.trim()) return;
    let raw: unknown;
    try {
      raw = JSON.parse(line);
    } catch (err) {
      this.#reply(null, { code: -32700, message: `Parse error: ${(err as Error).message}` });
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(raw);
    if (!parsed.success) {
      const id = (raw as { id?: unknown })?.id;
      this.#reply(typeof id === "string" || typeof id === "number" ? id : null, {
        code: -32600,
        message: "Invalid Request: not a JSON-RPC 2.0 message",
      });
      return;
    }
    const m = parsed.data;
    const refused = this.guard(m);
    if (refused && "id" in m && "method" in m) {
      this.#reply(m.id, refused);
      return;
    }
    this.onmessage?.(m);
  }

  #reply(id: string | number | null, error: RpcError): void {
    // JSON-RPC answers a request it could not read with id null.
    this.#write({ jsonrpc: "2.0", id, error } as unknown as JSONRPCMessage);
  }

  #write(m: JSONRPCMessage): Promise<void> {
    return new Promise((resolve) => {
      if (this.#closed) return resolve();
      if (process.stdout.write(JSON.stringify(m) + "\n")) resolve();
      else process.stdout.once("drain", resolve);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    return this.#write(message);
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    process.stdin.off("data", this.#ondata);
    process.stdin.pause();
    this.#chunks = [];
    this.onclose?.();
    return Promise.resolve();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function lastBytes(prev: Uint8Array, next: Uint8Array): Uint8Array {
  if (next.length >= KEEP) return next.slice(-KEEP);
  return concat([prev, next]).slice(-KEEP);
}
