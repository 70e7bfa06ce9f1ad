/** The follow loop shared by `logs --follow` and `events --follow`. */
import type { StreamItem } from "../cli/types.ts";
import { exitCodeForStatus, isTerminal } from "../core/statuses.ts";
import type { RunRow } from "../core/store.ts";
import type { Store } from "../core/store.ts";
import { reconcile } from "./reconcile.ts";
import { getRunOrThrow, sleep } from "./watch.ts";

/**
 * Yields what `read` finds until the run is terminal and nothing new is left, then one `end`
 * item carrying the run's exit code. The status is read before `read`, so everything the run
 * recorded before it ended is seen. Checks for a dead runner about once a second.
 */
export async function* followRun(
  store: Store,
  runId: string,
  signal: AbortSignal,
  read: () => StreamItem[],
  end: (r: RunRow, exitCode: number) => StreamItem,
): AsyncGenerator<StreamItem> {
  let lastCheck = 0;
  try {
    while (true) {
      const r = getRunOrThrow(store, runId);
      const items = read();
      if (items.length) {
        yield* items;
        continue;
      }
      if (isTerminal(r.status)) {
        yield { ...end(r, exitCodeForStatus(r.status)), exitCode: exitCodeForStatus(r.status) };
        return;
      }
      if (signal.aborted) return;
      if (Date.now() - lastCheck > 1000) {
        lastCheck = Date.now();
        reconcile(store);
      }
      await sleep(100, signal);
    }
  } finally {
    store.close();
  }
}
