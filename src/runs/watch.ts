/** Waiting on a run: bounded polling of SQLite, with lost-runner detection as it goes. */
import { DocketError } from "../core/errors.ts";
import { longTimeout } from "../core/duration.ts";
import { isAlive } from "../core/proc.ts";
import { foreignRun, runnerAlive } from "./liveness.ts";
import { isTerminal } from "../core/statuses.ts";
import type { RunRow } from "../core/store.ts";
import type { Store } from "../core/store.ts";
import { presentRun, reconcile } from "./reconcile.ts";

export function getRunOrThrow(store: Store, runId: string): RunRow {
  const r = store.getRun(runId);
  if (!r) {
    throw new DocketError("run_not_found", `Cannot find run "${runId}"`, {
      hint: "`docket runs` lists recent runs",
      details: { run_id: runId },
    });
  }
  return r;
}

/** Sleeps `ms`, or less if `signal` aborts; leaves no listener behind either way. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clear();
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const clear = longTimeout(done, ms); // a backoff may exceed what one setTimeout can wait
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Polls until the run is terminal; checks for a dead runner about once a second. */
export async function waitForRun(
  store: Store,
  runId: string,
  opts: {
    timeoutMs?: number | null;
    signal?: AbortSignal;
    onTick?: (r: RunRow) => void;
    /** Change nothing: a dead runner's run is returned as cleanup would record it, unwritten. */
    readOnly?: boolean;
  } = {},
): Promise<RunRow> {
  const start = Date.now();
  let lastReconcile = 0;
  let delay = 20;
  while (true) {
    let r = getRunOrThrow(store, runId);
    if (!isTerminal(r.status) && Date.now() - lastReconcile > 1000) {
      lastReconcile = Date.now();
      if (opts.readOnly) r = presentRun(r);
      else {
        reconcile(store);
        r = getRunOrThrow(store, runId);
      }
    }
    // Hooks and notifications run after the result is recorded, in the runner that recorded
    // it: waiting for that process to exit gives the caller their results too. Their own time
    // limits bound this; a --timeout that expires meanwhile still returns the finished run.
    const timedOut = opts.timeoutMs != null && Date.now() - start >= opts.timeoutMs;
    if (isTerminal(r.status) && (timedOut || opts.signal?.aborted || !hooksPending(r))) return r;
    if (!isTerminal(r.status)) opts.onTick?.(r);
    if (opts.signal?.aborted) {
      throw new DocketError("cancelled", `Stopped waiting for run "${runId}" (it goes on)`, {
        hint: `docket wait ${runId} to wait again, docket cancel ${runId} to stop it`,
      });
    }
    if (timedOut && !isTerminal(r.status)) {
      throw new DocketError(
        "wait_timeout",
        `Run "${runId}" is still ${r.status} after ${Math.round((opts.timeoutMs ?? 0) / 1000)} s`,
        {
          hint: `The run goes on; wait again with docket wait ${runId}, or cancel it`,
          details: { run_id: runId, status: r.status },
        },
      );
    }
    await sleep(delay, opts.signal);
    delay = Math.min(250, delay * 2);
  }
}

/** Whether the runner that recorded a finished run is still alive (running its hooks). */
function hooksPending(r: RunRow): boolean {
  if (foreignRun(r)) return runnerAlive(r, true);
  return r.runner_pid !== Deno.pid && isAlive(r.runner_pid, r.runner_start);
}
