/**
 * `docket scheduler`: the foreground scheduler for hosts without systemd (src/schedule/scheduler.ts).
 * Progress lines go to stderr; on SIGTERM/SIGINT it stops and prints one summary document.
 */
import type { CommandInput, CommandOutput } from "../cli/types.ts";
import { runScheduler, type SchedulerStats } from "../schedule/scheduler.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const enc = new TextEncoder();
  const log = (line: string) => {
    try {
      Deno.stderr.writeSync(enc.encode(`[docket] ${new Date().toISOString()} ${line}\n`));
    } catch {
      // stderr closed: the ledger still records every start
    }
  };
  const stats = await runScheduler({ signal: input.signal, log });
  return { exitCode: 0, data: { ok: true, stopped: true, ...stats } };
}

export function render(data: unknown): string {
  const d = data as SchedulerStats;
  return `scheduler stopped: ${d.started} started, ${d.skipped_or_refused} skipped or refused, ` +
    `${d.claimed_elsewhere} claimed by another scheduler`;
}
