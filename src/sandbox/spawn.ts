/**
 * Runs one child process (a sandboxed Deno task or a command task) in its own process group:
 * streams its output to the run's log, demuxes protocol frames, enforces the hard and the idle
 * timeout (idle = no output bytes), and kills the whole group on timeout or cancel.
 */
import {
  groupExists,
  groupMembers,
  killGroup,
  killJail,
  runProcesses,
  signalGroup,
} from "../core/proc.ts";
import { sealInheritedFds } from "../core/fds.ts";
import { FrameDemuxer, type ResultFrame } from "./protocol.ts";

/**
 * How long the output pipes may stay open once the task's process and its group are gone: only
 * a process that left the group (setsid, a daemon) can still hold them, and it must not keep
 * the run, its lock and its runner alive forever.
 */
export const PIPE_GRACE_MS = 1500;

export interface ChildSpec {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  stdin?: Uint8Array;
  /** The child is bwrap: stop it through its jail (see killJail). */
  jailed?: boolean;
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
  /** Unjailed runs: stop what still carries this run id once the task's process is gone. */
  runId?: string;
  timeoutMs?: number | null;
  idleMs?: number | null;
  graceMs: number;
  signal?: AbortSignal;
  /** On cancel: the grace asked for (`cancel --grace`), if any, instead of `graceMs`. */
  cancelGraceMs?: () => number | undefined;
  /** Told the grace a cancel uses, just before the group gets SIGTERM. */
  onCancel?: (graceMs: number) => void;
  /** Aborted to SIGKILL the group at once (a second Ctrl-C), grace or not. */
  killNow?: AbortSignal;
}

export interface ChildOutcome {
  code: number | null;
  signal: string | null;
  killedBy: KillReason | null;
  spawnError?: string;
  result?: ResultFrame;
  /** The result frame was over MAX_RESULT_FRAME and was dropped. */
  resultTooLarge?: boolean;
  /** Event frames over MAX_EVENT_FRAME, dropped. */
  eventsDropped?: number;
  /** Output was cut off PIPE_GRACE_MS after exit: a process outside the group held it open. */
  outputCut?: boolean;
  /**
   * Processes the task left running that docket stopped at the end of the run (unjailed: found
   * by its group and its DOCKET_RUN_ID; jailed: the PID namespace ends them, counted as -1).
   */
  leftoversStopped?: number;
  /** Milliseconds from the spawn to the exit status (as this runner saw them). */
  ranMs?: number;
}

export async function runChild(spec: ChildSpec, w: ChildWatch): Promise<ChildOutcome> {
  let child: Deno.ChildProcess;
  // No fd docket inherited may pass into the child (or through bwrap into a jail).
  sealInheritedFds();
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
  let killedBy: KillReason | null = null;
  let lastActivity = Date.now();
  const started = Date.now();
  let killing: Promise<unknown> | undefined;
  const kill = (why: KillReason) => {
    if (killedBy) return;
    killedBy = why;
    let grace = w.graceMs;
    if (why === "cancelled") {
      grace = w.cancelGraceMs?.() ?? w.graceMs;
      try {
        w.onCancel?.(grace);
      } catch {
        // telling the harness is best effort; the SIGKILL below is what bounds the grace
      }
    }
    killing = spec.jailed ? killJail(pid, grace) : killGroup(pid, grace);
  };
  const onAbort = () => kill("cancelled");
  const onKillNow = () => {
    killedBy ??= "cancelled";
    signalGroup(pid, "SIGKILL");
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  let graceTimer: ReturnType<typeof setTimeout> | undefined;

  let result: ResultFrame | undefined;
  let resultTooLarge = false;
  let eventsDropped = 0;
  const demux = w.nonce
    ? new FrameDemuxer(w.nonce, w.log, (kind, json) => {
      if (kind === "R") {
        try {
          result = JSON.parse(json);
        } catch {
          // a torn result frame: classified below as a missing result
        }
      } else w.onFrame?.(kind, json);
    }, (kind) => {
      if (kind === "R") resultTooLarge = true;
      else eventsDropped++;
    })
    : undefined;
  // Readers, not for-await: they can be cancelled when a stray process holds the pipes.
  const outReader = child.stdout.getReader();
  const errReader = child.stderr.getReader();
  const pump = async (reader: ReadableStreamDefaultReader<Uint8Array>, isOut: boolean) => {
    for (;;) {
      const { value: chunk, done } = await reader.read();
      if (done) return;
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
  const pumps = Promise.all([pump(outReader, true), pump(errReader, false)]);
  pumps.catch(() => {}); // awaited below; a read error must not be an unhandled rejection first
  const cutPipes = () => Promise.all([outReader.cancel(), errReader.cancel()]).catch(() => {});
  try {
    // Inside the try: if recording the pid fails (other than the store being unavailable,
    // which recordTask tolerates), the child must not run on.
    w.onStart?.(pid);
    if (w.signal) {
      if (w.signal.aborted) onAbort();
      else w.signal.addEventListener("abort", onAbort, { once: true });
    }
    if (w.killNow) {
      if (w.killNow.aborted) onKillNow();
      else w.killNow.addEventListener("abort", onKillNow, { once: true });
    }
    // Only with a limit: the first timer loads Deno's timers module (~4 ms CPU, measured).
    if (w.timeoutMs || w.idleMs) {
      timer = setInterval(() => {
        const now = Date.now();
        if (w.timeoutMs && now - started > w.timeoutMs) kill("timeout_seconds");
        else if (w.idleMs && now - lastActivity > w.idleMs) kill("idle_timeout_seconds");
      }, Math.max(20, Math.min(250, (w.idleMs ?? 1000) / 4, (w.timeoutMs ?? 1000) / 4)));
    }
    if (spec.stdin) {
      const writer = child.stdin.getWriter();
      writer.write(spec.stdin).then(() => writer.close()).catch(() => {});
    }
    const status = await child.status;
    const ranMs = Date.now() - started;
    // The task's own process is gone; nothing of its group may stay behind (a background
    // grandchild would also hold the pipes open).
    let leftovers = 0;
    if (killing) await killing;
    else if (!spec.jailed) {
      if (groupExists(pid)) leftovers += groupMembers(pid).length;
      await killGroup(pid, 500);
    }
    // A `setsid` daemon left the group: found by the run id every task process inherits.
    if (!spec.jailed && w.runId) {
      const stray = runProcesses(w.runId);
      for (const s of stray) {
        try {
          Deno.kill(s, "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      leftovers += stray.length;
    }
    // What is left can only be a process that escaped the group: bound the wait for it.
    const cut = !(await settlesSoon(pumps)) && await Promise.race([
      pumps.then(() => false),
      new Promise<boolean>((r) => graceTimer = setTimeout(() => r(true), PIPE_GRACE_MS)),
    ]);
    if (cut) await cutPipes();
    await pumps;
    demux?.end();
    const out: ChildOutcome = {
      code: status.code,
      signal: status.signal ?? null,
      killedBy,
      ranMs,
    };
    if (result) out.result = result;
    if (resultTooLarge) out.resultTooLarge = true;
    if (eventsDropped) out.eventsDropped = eventsDropped;
    if (cut) out.outputCut = true;
    if (leftovers) out.leftoversStopped = leftovers;
    return out;
  } catch (err) {
    await (spec.jailed ? killJail(pid, w.graceMs) : killGroup(pid, w.graceMs));
    await cutPipes();
    await Promise.allSettled([pumps, child.status]);
    throw err;
  } finally {
    if (timer !== undefined) clearInterval(timer);
    if (graceTimer !== undefined) clearTimeout(graceTimer);
    w.signal?.removeEventListener("abort", onAbort);
    w.killNow?.removeEventListener("abort", onKillNow);
  }
}

/**
 * Whether `p` settles within a few event-loop turns: the pipes' EOF usually lands just after
 * the exit status. Yields on a cheap async op, not a timer (the first timer costs ~4 ms).
 */
async function settlesSoon(p: Promise<unknown>, turns = 20): Promise<boolean> {
  let done = false;
  p.then(() => done = true, () => done = true);
  for (let i = 0; i < turns && !done; i++) await Deno.lstat("/");
  return done;
}
