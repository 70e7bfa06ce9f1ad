/**
 * Bounded waiting on a run for `run_task`/`wait_run`, with MCP progress notifications built
 * from the run's events when the client asked for them (sent a progress token).
 */
import { DocketError } from "../core/errors.ts";
import type { RunRow } from "../core/store.ts";
import type { DocketConfig } from "../config/types.ts";
import { openStore } from "../store/open.ts";
import { sleep, waitForRun } from "../runs/watch.ts";
import { esc } from "../render/escape.ts";

export interface Progress {
  progress: number;
  message: string;
}

const POLL_MS = 200;
const HEARTBEAT_MS = 1000;

/**
 * The spec requires `progress` to increase with every notification. Its integer part counts
 * the events seen; the fraction grows with elapsed time (always < 1), so the once-a-second
 * heartbeats sent while no event arrives still increase it.
 */
export function progressValue(events: number, elapsedMs: number): number {
  return events + elapsedMs / (elapsedMs + 1000);
}

/**
 * An event type as a progress message shows it: the task's text, which a client may print on
 * a terminal, with control and bidi characters escaped (render/escape.ts) and at most 200
 * characters (a 1 MB type was repeated in every notification).
 */
export function progressLabel(type: string): string {
  const s = esc(type);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** Waits up to `timeoutMs`; the finished run, or null when it is still going. */
export async function waitWithProgress(o: {
  cfg: DocketConfig;
  runId: string;
  timeoutMs: number;
  signal: AbortSignal;
  report?: (p: Progress) => Promise<void>;
  /** wait_run is read-only: no lost-run cleanup while it waits. */
  readOnly?: boolean;
}): Promise<RunRow | null> {
  const store = openStore(o.cfg);
  const stop = new AbortController();
  const start = Date.now();
  const pump = async () => {
    let seen = 0;
    let latest = "";
    let lastSent = 0;
    const send = async () => {
      lastSent = Date.now();
      const message = latest
        ? `${seen} event${seen === 1 ? "" : "s"}; latest: ${latest}`
        : "waiting for the first event";
      try {
        await o.report!({ progress: progressValue(seen, lastSent - start), message });
      } catch (err) {
        console.error(`[docket mcp] cannot send progress: ${(err as Error).message}`);
      }
    };
    while (true) {
      // One last read after the run ends, so the final events are reported too.
      const done = stop.signal.aborted;
      const batch = store.listEvents(o.runId, seen, 1000);
      if (batch.length) {
        seen += batch.length;
        latest = progressLabel(batch.at(-1)!.event_type);
        await send();
      } else if (!done && Date.now() - lastSent >= HEARTBEAT_MS) await send();
      if (done) return;
      await sleep(POLL_MS, stop.signal);
    }
  };
  const pumping = o.report ? pump() : Promise.resolve();
  try {
    return await waitForRun(store, o.runId, {
      timeoutMs: o.timeoutMs,
      signal: o.signal,
      readOnly: o.readOnly === true,
    });
  } catch (err) {
    if (err instanceof DocketError && err.kind === "wait_timeout") return null;
    throw err;
  } finally {
    stop.abort();
    await pumping;
    store.close();
  }
}
