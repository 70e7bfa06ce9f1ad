/**
 * Runs an external tool (rclone, rsync, hbackup, df, systemctl) from inside a task.
 *
 * The tool's stdout and stderr bytes are copied to the task's own stdout and stderr as they
 * arrive, unmodified: they are the run's log, and docket's idle timeout counts those bytes, so
 * progress output (rsync's `\r` updates included) must not wait for a newline. A bounded tail
 * of each stream is kept for parsing final statistics, and an optional `onLine` callback sees
 * every line (split on `\n` and `\r`) for counting without keeping the whole output.
 *
 * @module
 */

/** Where the tool's bytes are copied to. `Deno.stdout` and `Deno.stderr` fit. */
export interface ByteSink {
  write(p: Uint8Array): Promise<number>;
}

export type StreamName = "stdout" | "stderr";

export interface ToolRunOptions {
  /** Program to start (a name looked up on PATH, or a path). */
  cmd: string;
  args: string[];
  /** Aborting it sends SIGTERM to the tool (pass the task's `ctx.signal`). */
  signal?: AbortSignal;
  cwd?: string;
  /** Bytes of each stream kept for parsing; default 256 KiB. */
  tailBytes?: number;
  /** Called for every complete line of either stream, `\r`-separated updates included. */
  onLine?: (stream: StreamName, line: string) => void;
  /** Default `Deno.stdout`. */
  stdoutSink?: ByteSink;
  /** Default `Deno.stderr`. */
  stderrSink?: ByteSink;
}

export interface ToolRun {
  argv: string[];
  /** Exit code; `null` when the tool was ended by a signal. */
  code: number | null;
  signal: Deno.Signal | null;
  stdoutTail: string;
  stderrTail: string;
  stdoutBytes: number;
  stderrBytes: number;
  durationMs: number;
}

/** The tool could not be started because it does not exist (not on PATH, wrong path). */
export class ToolMissingError extends Error {
  readonly cmd: string;
  constructor(cmd: string, cause: unknown) {
    super(`Cannot start "${cmd}": it is not installed or not on PATH`, { cause });
    this.name = "ToolMissingError";
    this.cmd = cmd;
  }
}

const DEFAULT_TAIL = 256 * 1024;
/** A "line" longer than this (a tool that never prints a newline) is cut, not buffered. */
const MAX_LINE = 64 * 1024;

/** Keeps the last `limit` bytes written to it. */
export class TailBuffer {
  readonly #limit: number;
  #chunks: Uint8Array[] = [];
  #size = 0;
  total = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Uint8Array): void {
    this.total += chunk.length;
    if (chunk.length >= this.#limit) {
      this.#chunks = [chunk.slice(chunk.length - this.#limit)];
      this.#size = this.#limit;
      return;
    }
    this.#chunks.push(chunk.slice());
    this.#size += chunk.length;
    while (this.#size - this.#chunks[0]!.length >= this.#limit) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    const start = Math.max(0, this.#size - this.#limit);
    return new TextDecoder().decode(all.subarray(start));
  }
}

/** Splits a byte stream into lines on `\n`, `\r\n` and `\r`. */
export class LineSplitter {
  readonly #decoder = new TextDecoder();
  readonly #emit: (line: string) => void;
  #partial = "";

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: Uint8Array): void {
    this.#feed(this.#decoder.decode(chunk, { stream: true }));
  }

  end(): void {
    this.#feed(this.#decoder.decode());
    if (this.#partial !== "") this.#emit(this.#partial);
    this.#partial = "";
  }

  #feed(text: string): void {
    const parts = (this.#partial + text).split(/\r\n|\r|\n/);
    this.#partial = parts.pop() ?? "";
    // A trailing "\r" may be the first half of "\r\n": the next chunk's "\n" then yields one
    // empty line, which callers ignore.
    for (const line of parts) this.#emit(line);
    if (this.#partial.length > MAX_LINE) {
      this.#emit(this.#partial);
      this.#partial = "";
    }
  }
}

async function writeAll(sink: ByteSink, chunk: Uint8Array): Promise<void> {
  let at = 0;
  while (at < chunk.length) at += await sink.write(chunk.subarray(at));
}

async function pump(
  stream: ReadableStream<Uint8Array>,
  sink: ByteSink,
  tail: TailBuffer,
  lines: LineSplitter | undefined,
): Promise<void> {
  for await (const chunk of stream) {
    tail.push(chunk);
    lines?.push(chunk);
    try {
      await writeAll(sink, chunk);
    } catch {
      // The task's own stdout went away (the orchestrator is ending the run): keep draining
      // the tool so it is not blocked on a full pipe, and keep parsing.
    }
  }
  lines?.end();
}

/**
 * Starts `cmd` with `args`, tees its output to the task's stdout/stderr as it arrives, and
 * resolves when it exits. Throws {@link ToolMissingError} when the program does not exist;
 * any other spawn error (a missing `--allow-run` grant: `NotCapable`) is rethrown unchanged
 * so the sandbox harness reports it as `permission_denied`.
 *
 * @example
 * ```ts
 * import { runTool } from "./tool_process.ts";
 * const run = await runTool({ cmd: "echo", args: ["hi"], stdoutSink: { write: async (p) => p.length } });
 * if (run.code !== 0 || run.stdoutTail !== "hi\n") throw new Error("unexpected");
 * ```
 */
export async function runTool(opts: ToolRunOptions): Promise<ToolRun> {
  // Deno.Command starts a process even with an already aborted signal.
  opts.signal?.throwIfAborted();
  const started = performance.now();
  const command = new Deno.Command(opts.cmd, {
    args: opts.args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  let child: Deno.ChildProcess;
  try {
    child = command.spawn();
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new ToolMissingError(opts.cmd, err);
    throw err;
  }
  const limit = opts.tailBytes ?? DEFAULT_TAIL;
  const outTail = new TailBuffer(limit);
  const errTail = new TailBuffer(limit);
  const onLine = opts.onLine;
  const outLines = onLine ? new LineSplitter((l) => onLine("stdout", l)) : undefined;
  const errLines = onLine ? new LineSplitter((l) => onLine("stderr", l)) : undefined;
  const [status] = await Promise.all([
    child.status,
    pump(child.stdout, opts.stdoutSink ?? Deno.stdout, outTail, outLines),
    pump(child.stderr, opts.stderrSink ?? Deno.stderr, errTail, errLines),
  ]);
  return {
    argv: [opts.cmd, ...opts.args],
    code: status.signal === null ? status.code : null,
    signal: status.signal,
    stdoutTail: outTail.text(),
    stderrTail: errTail.text(),
    stdoutBytes: outTail.total,
    stderrBytes: errTail.total,
    durationMs: Math.round(performance.now() - started),
  };
}

/** A sink that drops everything (tests, and tools whose output is parsed, not logged). */
export const discardSink: ByteSink = { write: (p) => Promise.resolve(p.length) };

/** Quotes an argv for display in summaries and dry runs (POSIX shell style). */
export function formatArgv(argv: readonly string[]): string {
  return argv.map((a) => /^[\w@%+=:,./~-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)
    .join(" ");
}
