/**
 * Runs one child process (a sandboxed Deno task or a command task) in its own process group:
 * streams its output to the run's log, demuxes protocol frames, enforces the hard and the idle
 * timeout (idle = no output bytes), and kills the whole group on timeout or cancel.
 */
import { killGroup } from "../core/proc.ts";
import { FrameDemuxer, type ResultFrame } from "./protocol.ts";

export interface ChildSpec {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  stdin?: Uint8Array;
}

export type KillReason = "timeout_seconds" | "idle_timeout_seconds" | "cancelled";

export interface ChildWatch {
  log: (bytes: Uint8Array) => void;
  /** Set for Deno task children: frames are demuxed from stdout. */
  nonce?: string;
  onFrame?: (kind: string, json: string) => void;
  /** Raw stdout bytes (command tasks parse these). */
  onStdout?: (bytes: Uint8Array) => void;
  onStderr?: (bytes: Uint8Array) => void;
  onStart?: (pid: number) => void;
  timeoutMs?: number | null;
  idleMs?: number | null;
  graceMs: number;
  signal?: AbortSignal;
}

export interface ChildOutcome {
  code: number | null;
  signal: string | null;
  killedBy: KillReason | null;
  spawnError?: string;
  result?: ResultFrame;
}

export async function runChild(spec: ChildSpec, w: ChildWatch): Promise<ChildOutcome> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(spec.cmd, {
      args: spec.args,
      env: spec.env,
      clearEnv: true,
      ...(spec.cwd ? { cwd: spec.cwd } : {}),
      stdin: spec.stdin ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
  } catch (err) {
    return {
      code: null,
      signal: null,
      killedBy: null,
      spawnError: err instanceof Error ? err.message : String(err),
    };
  }
  const pid = child.pid;
  w.onStart?.(pid);
  let killedBy: KillReason | null = null;
  let lastActivity = Date.now();
  const started = Date.now();
  let killing: Promise<unknown> | undefined;
  const kill = (why: KillReason) => {
    if (killedBy) return;
    killedBy = why;
    killing = killGroup(pid, w.graceMs);
  };
  const onAbort = () => kill("cancelled");
  if (w.signal) {
    if (w.signal.aborted) onAbort();
    else w.signal.addEventListener("abort", onAbort, { once: true });
  }
  // Only with a limit: the first timer loads Deno's timers module (~4 ms CPU, measured).
  const timer = w.timeoutMs || w.idleMs
    ? setInterval(() => {
      const now = Date.now();
      if (w.timeoutMs && now - started > w.timeoutMs) kill("timeout_seconds");
      else if (w.idleMs && now - lastActivity > w.idleMs) kill("idle_timeout_seconds");
    }, Math.max(20, Math.min(250, (w.idleMs ?? 1000) / 4, (w.timeoutMs ?? 1000) / 4)))
    : undefined;

  if (spec.stdin) {
    const writer = child.stdin.getWriter();
    writer.write(spec.stdin).then(() => writer.close()).catch(() => {});
  }
  let result: ResultFrame | undefined;
  const demux = w.nonce
    ? new FrameDemuxer(w.nonce, w.log, (kind, json) => {
      if (kind === "R") {
        try {
          result = JSON.parse(json);
        } catch {
          // a torn result frame: classified below as a missing result
        }
      } else w.onFrame?.(kind, json);
    })
    : undefined;
  const pump = async (stream: ReadableStream<Uint8Array>, isOut: boolean) => {
    for await (const chunk of stream) {
      lastActivity = Date.now();
      if (isOut) {
        if (demux) demux.push(chunk);
        else w.log(chunk);
        w.onStdout?.(chunk);
      } else {
        w.log(chunk);
        w.onStderr?.(chunk);
      }
    }
  };
  try {
    const pumps = Promise.all([pump(child.stdout, true), pump(child.stderr, false)]);
    const status = await child.status;
    // The task's own process is gone; nothing of its group may stay behind (a background
    // grandchild would also hold the pipes open).
    await (killing ?? killGroup(pid, 500));
    await pumps;
    demux?.end();
    const out: ChildOutcome = { code: status.code, signal: status.signal ?? null, killedBy };
    if (result) out.result = result;
    return out;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    w.signal?.removeEventListener("abort", onAbort);
  }
}
