/** Outcomes of one attempt, and the helpers both kinds of attempt share. */
import { DocketError, type ErrorJson } from "../core/errors.ts";
import { processStart } from "../core/proc.ts";
import { armHeartbeat } from "./liveness.ts";
import type { RunStatus } from "../core/statuses.ts";
import type { ChildOutcome } from "../sandbox/spawn.ts";
import type { Prepared } from "./execute.ts";
import type { RunRow } from "../core/store.ts";

export interface AttemptOutcome {
  status: RunStatus;
  summary: string;
  details: Record<string, unknown>;
  error: ErrorJson | null;
  retryable: boolean;
}

export function num(v: unknown): number | null {
  return typeof v === "number" && v > 0 ? v : null;
}

export function cancelledOutcome(): AttemptOutcome {
  return {
    status: "cancelled",
    summary: "Run was cancelled",
    details: {},
    error: { kind: "cancelled", message: "Run was cancelled" },
    retryable: false,
  };
}

export function limits(section: Record<string, unknown>) {
  const t = num(section.timeout_seconds);
  const i = num(section.idle_timeout_seconds);
  const g = section.kill_grace_seconds;
  return {
    timeoutMs: t ? t * 1000 : null,
    idleMs: i ? i * 1000 : null,
    graceMs: typeof g === "number" ? g * 1000 : 5000,
  };
}

export function killedOutcome(why: string, section: Record<string, unknown>): AttemptOutcome {
  if (why === "cancelled") return cancelledOutcome();
  const secs = section[why];
  const message = why === "timeout_seconds"
    ? `Task ran longer than timeout_seconds (${secs} s) and was stopped`
    : `Task printed nothing for idle_timeout_seconds (${secs} s) and was stopped`;
  return {
    status: "timeout",
    summary: message,
    details: { timeout: why, limit_seconds: secs },
    error: {
      kind: "timeout",
      message,
      hint: `Raise ${why} in the task's config if the task needs longer`,
      details: { limit: why, seconds: secs },
    },
    retryable: true,
  };
}

/**
 * Whether the child was ended by its own deadline, not by this runner: the spec's hard
 * deadline (child_spec.ts: coreutils `timeout -s KILL` at limit + grace, around the unjailed
 * task or as the jail's init) SIGKILLs it (exit 137), or the harness exits `ownExit` at its
 * deadline. That happens when the runner could not act in time (stopped, or its timers late):
 * the run is a timeout like the runner's own kill. A SIGKILL before the limit (out of memory,
 * an operator) stays a failure, and so does a child that returned a result.
 */
export function endedAtDeadline(
  out: ChildOutcome,
  spec: { deadline: number | null },
  section: Record<string, unknown>,
  ownExit?: number,
): boolean {
  const { timeoutMs } = limits(section);
  if (out.killedBy || out.result || out.spawnError || !timeoutMs) return false;
  if ((out.ranMs ?? 0) < timeoutMs) return false;
  if (ownExit !== undefined && out.code === ownExit) return true;
  return spec.deadline !== null && (out.signal === "SIGKILL" || out.code === 137);
}

export function tailKeeper(limit: number) {
  let chunks: Uint8Array[] = [];
  let size = 0;
  let total = 0;
  return {
    push(b: Uint8Array) {
      chunks.push(b.slice());
      size += b.length;
      total += b.length;
      while (size - (chunks[0]?.length ?? 0) >= limit && chunks.length > 1) {
        size -= chunks.shift()!.length;
      }
    },
    text(): string {
      const all = new Uint8Array(size);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      const s = new TextDecoder().decode(
        all.length > limit ? all.subarray(all.length - limit) : all,
      );
      return s;
    },
    get total() {
      return total;
    },
    reset() {
      chunks = [];
      size = 0;
      total = 0;
    },
  };
}

/**
 * The keys docket writes into a run's details itself (child_spec.ts: sandbox; execute.ts:
 * task_status, log_*, audit; childNotes below). A task's result cannot claim them: what it
 * returned under one of them is kept under `from_task`, so nothing is lost and nothing forged.
 */
export const DOCKET_DETAIL_KEYS: ReadonlySet<string> = new Set([
  "sandbox",
  "audit",
  "task_status",
  "log_error",
  "log_bytes_written",
  "log_replaced",
  "output_truncated",
  "events_dropped",
  "leftovers_stopped",
  "from_task",
]);

/** A task's result details with docket's keys moved under `from_task`. */
export function taskDetails(d: unknown): Record<string, unknown> {
  if (!d || typeof d !== "object" || Array.isArray(d)) return (d ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  const moved: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d)) {
    if (DOCKET_DETAIL_KEYS.has(k)) moved[k] = v;
    else out[k] = v;
  }
  if (Object.keys(moved).length) out.from_task = moved;
  return out;
}

/** What runChild had to cut short, for the run's details. */
export function childNotes(out: ChildOutcome): Record<string, unknown> {
  const notes: Record<string, unknown> = {};
  if (out.outputCut) notes.output_truncated = "a background process kept the output open";
  if (out.eventsDropped) notes.events_dropped = out.eventsDropped;
  if (out.leftoversStopped) notes.leftovers_stopped = out.leftoversStopped;
  return notes;
}

export function noted(out: ChildOutcome, o: AttemptOutcome): AttemptOutcome {
  return { ...o, details: { ...o.details, ...childNotes(out) } };
}

export function lastLine(s: string): string {
  return s.trim().split("\n").filter((l) => l.trim()).pop()?.replace(/^error: /, "") ?? "";
}

export function denied(
  permission: string,
  target: string | undefined,
  message: string,
): AttemptOutcome {
  const what = target ? `${permission} access to "${target}"` : `${permission} access`;
  return {
    status: "failed",
    summary: `Permission denied: the task needs ${what}, which it did not declare`,
    details: { permission, ...(target !== undefined ? { target } : {}) },
    error: {
      kind: "permission_denied",
      message: `Task was denied ${what}: ${
        message.replace(/, run again with the --allow-\w+ flag/, "")
      }`,
      hint: permission === "net"
        ? "Declare network: true (or network: [host:port]) if the task needs it"
        : permission === "env"
        ? "Declare the variable in required_env"
        : permission === "write"
        ? "Declare destructive: true with writes: [paths] if the task must write there"
        : permission === "read"
        ? "Declare the path in reads"
        : permission === "run"
        ? "Declare the program in exec"
        : permission === "sys"
        ? "Declare the API in sys"
        : permission === "import"
        ? "Fetching modules is network access: cache them first (deno cache), or declare network: true"
        : "Declare the permission the task needs",
      details: { permission, ...(target !== undefined ? { target } : {}) },
    },
    retryable: false,
  };
}

export function failed(
  summary: string,
  kind: ErrorJson["kind"],
  details: Record<string, unknown>,
): AttemptOutcome {
  return {
    status: "failed",
    summary,
    details,
    error: { kind, message: summary },
    retryable: kind === "task_failed",
  };
}

/** Records the task process (pid + start time) so lost-run cleanup can tell it from a reuse. */
export function recordTask(p: Prepared, pid: number): void {
  noteRunner(p, { task_pid: pid, task_start: processStart(pid)?.start ?? null });
  // After the pid is recorded (reconcile needs it to stop leftovers of a dead runner): the
  // child is started, the beat's timer no longer delays it.
  armHeartbeat();
}

/**
 * Records a running run's progress (its task's pid, the attempt it is on) if the store takes
 * it. A store that is unavailable meanwhile (its server down, a write lock held past the busy
 * timeout) does not fail the run: the task goes on, its outcome is spooled as it ends and
 * recorded once the store is back (spool.ts). Only the progress note is missing meanwhile.
 */
export function noteRunner(p: Prepared, fields: Partial<RunRow>): void {
  try {
    p.store.setRunner(p.runId, fields);
  } catch (err) {
    if (!(err instanceof DocketError && err.kind === "state_error")) throw err;
    console.error(
      `docket: cannot record the progress of run ${p.runId} yet (${err.message}); ` +
        "the run goes on and its outcome is kept for the store",
    );
  }
}
