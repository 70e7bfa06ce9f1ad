/** `docket wait <run_id> [--timeout S]`: block until a run finishes; its result and exit code. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { MAX_DURATION_SECONDS } from "../core/duration.ts";
import { exitCodeForStatus } from "../core/statuses.ts";
import { openReconciled, runJson } from "./common.ts";
import { requireRunId } from "./status.ts";
import { waitForRun } from "../runs/watch.ts";
import { render as renderRun } from "./run.ts";

export function parseSeconds(raw: unknown, flag: string): number | null {
  if (raw === undefined) return null;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0 || n > MAX_DURATION_SECONDS) {
    throw new DocketError(
      "usage",
      `Invalid ${flag} "${raw}": expected seconds (a number from 0 to ${MAX_DURATION_SECONDS})`,
      { hint: `For example ${flag} 30` },
    );
  }
  return n;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const runId = requireRunId(input.args[0]!);
  const timeout = parseSeconds(input.opts.timeout, "--timeout");
  const cfg = await input.config();
  const store = openReconciled(cfg);
  let live: { stop(): void; note(s: string): void } | undefined;
  try {
    if (!input.ui.json && input.ui.tty && Deno.stderr.isTerminal()) {
      const { LiveLine } = await import("../render/live.ts");
      live = new LiveLine(`waiting for ${runId}`);
    }
    const r = await waitForRun(store, runId, {
      timeoutMs: timeout === null ? null : timeout * 1000,
      signal: input.signal,
      ...(live ? { onTick: (row) => live!.note(`${row.task_name} ${row.status}`) } : {}),
    });
    return { exitCode: exitCodeForStatus(r.status), data: runJson(r) };
  } finally {
    live?.stop();
    store.close();
  }
}

export function render(data: unknown, ui: Ui): string {
  return renderRun(data, ui);
}
