/**
 * Completion hooks: shell commands from config that run after a run's result is recorded.
 *
 * The command string is passed to `/bin/sh -c` exactly as configured; run data reaches it
 * only through `DOCKET_*` environment variables, never by interpolation, so a summary such as
 * `$(rm -rf ~)` is inert text. A hook can fail or hang, but `runHooks` never throws and never
 * waits longer than the hook's time limit (plus a short kill grace).
 */

import { TERMINAL_STATUSES } from "../core/statuses.ts";
import { maskAll } from "./mask.ts";
import { longTimeout } from "../core/duration.ts";
import { hookEnv, type RunOutcome, writeDetailsFile } from "./hook_env.ts";

export { boundText, escapeNul, hookEnv, MAX_VAR_BYTES } from "./hook_env.ts";
export type { RunOutcome } from "./hook_env.ts";

export interface HookResult {
  /** "on_success" | "on_failure" | "on_complete" | "notify:discord" | "notify:telegram" */
  name: string;
  command?: string;
  ok: boolean;
  exit_code?: number | null;
  http_status?: number | null;
  error?: string;
  output_tail?: string;
  duration_ms: number;
  timed_out?: boolean;
}

export interface HookConfig {
  on_success?: string | string[];
  on_failure?: string | string[];
  on_complete?: string | string[];
  /** Per hook command; default 60. */
  hook_timeout_seconds?: number;
}

export interface RunHooksOptions {
  /** Values to mask in output tails, commands and errors. */
  secrets?: string[];
  /** Environment the hooks start from; default: this process's environment. */
  baseEnv?: Record<string, string>;
}

export const DEFAULT_HOOK_TIMEOUT_SECONDS = 60;
/** After the hook's shell exits, how long background children may keep its pipes open. */
const PIPE_GRACE_MS = 500;
/** Between SIGTERM and SIGKILL for a timed-out hook's process group. */
const KILL_GRACE_MS = 2000;
/** Bytes of combined stdout+stderr kept for `output_tail`. */
const TAIL_BYTES = 2048;

export type HookName = "on_success" | "on_failure" | "on_complete";
export type OutcomeClass = "success" | "failure";

/**
 * `success` for succeeded; `failure` for every other terminal status except dry runs
 * (failed, cancelled, timeout, lost). Dry runs and non-terminal statuses give `null`:
 * nothing ran for real, so there is nothing to react to — no hooks, no notifications.
 */
export function classifyStatus(status: string): OutcomeClass | null {
  if (status === "succeeded") return "success";
  if (status === "dry_run") return null;
  return (TERMINAL_STATUSES as readonly string[]).includes(status) ? "failure" : null;
}

/** The hook commands due for an outcome, in run order: the outcome hook(s), then on_complete. */
export function plannedHooks(
  cfg: HookConfig,
  status: string,
): { name: HookName; command: string }[] {
  const cls = classifyStatus(status);
  if (cls === null) return []; // dry runs (and anything unfinished) run no hooks
  const outcomeHook: HookName = cls === "success" ? "on_success" : "on_failure";
  return [
    ...commands(cfg[outcomeHook]).map((command) => ({ name: outcomeHook, command })),
    ...commands(cfg.on_complete).map((command) => ({ name: "on_complete" as const, command })),
  ];
}

/** Runs the hooks due for `outcome`, one after another. Never throws. */
export async function runHooks(
  cfg: HookConfig,
  outcome: RunOutcome,
  opts: RunHooksOptions = {},
): Promise<HookResult[]> {
  const planned = plannedHooks(cfg, outcome.status);
  if (planned.length === 0) return [];
  const seconds = positiveOr(cfg.hook_timeout_seconds, DEFAULT_HOOK_TIMEOUT_SECONDS);
  const detailsFile = writeDetailsFile(outcome.details);
  const env = hookEnv(outcome, opts.baseEnv ?? processEnv(), detailsFile);
  const secrets = opts.secrets ?? [];
  const results: HookResult[] = [];
  try {
    for (const { name, command } of planned) {
      results.push(await runHook({ name, command, env, timeoutSeconds: seconds, secrets }));
    }
  } finally {
    if (detailsFile) {
      try {
        Deno.removeSync(detailsFile);
      } catch {
        // a hook removed it
      }
    }
  }
  return results;
}

interface HookSpec {
  name: string;
  command: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  secrets: string[];
}

async function runHook(spec: HookSpec): Promise<HookResult> {
  const { name, secrets } = spec;
  const started = performance.now();
  const base = { name, command: maskAll(spec.command, secrets) };
  const elapsed = () => Math.round(performance.now() - started);

  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("/bin/sh", {
      args: ["-c", spec.command],
      env: spec.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      // Its own session and process group, so a timeout can kill everything it started.
      detached: true,
    }).spawn();
  } catch (e) {
    const error = `Cannot start hook "${name}": ${errorMessage(e)}`;
    return {
      ...base,
      ok: false,
      exit_code: null,
      error: maskAll(error, secrets),
      duration_ms: elapsed(),
      timed_out: false,
    };
  }

  const tail = new OutputTail([child.stdout, child.stderr], secrets);
  const first = await within(child.status, spec.timeoutSeconds * 1000);
  const timedOut = first === LATE;
  const status = first === LATE ? await killProcessGroup(child.pid, child.status) : first;
  const output_tail = await tail.finish(PIPE_GRACE_MS);

  const result: HookResult = {
    ...base,
    ok: !timedOut && status.success,
    exit_code: timedOut ? null : status.code,
    output_tail,
    duration_ms: elapsed(),
    timed_out: timedOut,
  };
  if (timedOut) {
    result.error =
      `Hook "${name}" timed out after ${spec.timeoutSeconds} s: its process group was killed`;
  } else if (status.signal !== null) {
    result.error = `Hook "${name}" was killed by ${status.signal}`;
  } else if (!status.success) {
    result.error = `Hook "${name}" failed with exit code ${status.code}`;
  }
  return result;
}

function processEnv(): Record<string, string> {
  try {
    return Deno.env.toObject();
  } catch {
    return {}; // no --allow-env: hooks still get the DOCKET_* variables
  }
}

function commands(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  // A blank entry is a no-op for the shell; skip it rather than report an empty hook.
  return (Array.isArray(value) ? value : [value]).filter((c) => c.trim() !== "");
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Keeps the last bytes of several streams, interleaved in arrival order. It holds a little
 * more than it reports so that a secret straddling the cut is still masked whole.
 */
class OutputTail {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #keep: number;
  #secrets: string[];
  #readers: ReadableStreamDefaultReader<Uint8Array>[];
  #drained: Promise<void>;

  constructor(streams: ReadableStream<Uint8Array>[], secrets: string[]) {
    this.#secrets = secrets;
    const longest = Math.max(0, ...secrets.map((s) => new TextEncoder().encode(s).length));
    this.#keep = TAIL_BYTES + longest;
    this.#readers = streams.map((s) => s.getReader());
    this.#drained = Promise.all(this.#readers.map((r) => this.#drain(r))).then(() => {});
  }

  async #drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        this.#push(value);
      }
    } catch {
      // A broken pipe ends the tail; it is diagnostic output, not the hook's result.
    }
  }

  #push(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#size += chunk.length;
    while (this.#chunks.length > 1 && this.#size - this.#chunks[0]!.length >= this.#keep) {
      this.#size -= this.#chunks.shift()!.length;
    }
  }

  /**
   * Waits up to `graceMs` for end of output (a backgrounded child may hold the pipes open
   * indefinitely), stops reading, and returns the masked tail.
   */
  async finish(graceMs: number): Promise<string> {
    if (await within(this.#drained, graceMs) === LATE) {
      await Promise.all(this.#readers.map((r) => r.cancel().catch(() => {})));
      await this.#drained;
    }
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    const masked = maskAll(decodeFrom(all, all.length - this.#keep), this.#secrets);
    const bytes = new TextEncoder().encode(masked);
    return decodeFrom(bytes, bytes.length - TAIL_BYTES);
  }
}

/** Decodes `bytes` from `start` on, skipping UTF-8 continuation bytes a cut may have left. */
function decodeFrom(bytes: Uint8Array, start: number): string {
  let i = Math.max(0, start);
  while (i < bytes.length && i > 0 && (bytes[i]! & 0xc0) === 0x80) i++;
  return new TextDecoder().decode(bytes.subarray(i));
}

/**
 * SIGTERM to the whole group, then SIGKILL to whatever is left after the grace period.
 * Resolves with the shell's status once it has been reaped.
 */
async function killProcessGroup(
  pgid: number,
  status: Promise<Deno.CommandStatus>,
): Promise<Deno.CommandStatus> {
  signalGroup(pgid, "SIGTERM");
  const deadline = performance.now() + KILL_GRACE_MS;
  while (performance.now() < deadline && groupAlive(pgid)) await delay(50);
  if (groupAlive(pgid)) signalGroup(pgid, "SIGKILL");
  return await status;
}

function signalGroup(pgid: number, signal: Deno.Signal): void {
  try {
    Deno.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * Whether any non-zombie process is left in the group. On Linux, /proc tells zombies apart
 * (they linger where PID 1 does not reap); elsewhere, signal 0 answers for the group.
 */
function groupAlive(pgid: number): boolean {
  try {
    for (const entry of Deno.readDirSync("/proc")) {
      if (!/^\d+$/.test(entry.name)) continue;
      let stat: string;
      try {
        stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      } catch {
        continue; // exited while we looked
      }
      // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "Z" && Number(fields[2]) === pgid) return true;
    }
    return false;
  } catch {
    try {
      Deno.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

const LATE = Symbol("late");

/** `p`'s value, or `LATE` if it has not settled after `ms`; leaves no timer behind. */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof LATE> {
  let clear = () => {};
  const late = new Promise<typeof LATE>((resolve) => {
    clear = longTimeout(() => resolve(LATE), ms); // ≥ 2³¹ ms must not fire at once
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clear();
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
