/**
 * `docket prune [--dry-run]`: removes finished runs beyond the config's
 * `history: {keep_runs, keep_days}` — their rows, their events and their log files together.
 * Running runs and each task's latest state are never removed.
 */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { basename } from "../core/path.ts";
import { cutoffFor, type PruneCandidate, type RetentionLimits } from "../core/retention.ts";
import { openReconciled } from "./common.ts";
import { esc } from "../render/escape.ts";
import { table } from "../render/ui.ts";

/** At most this many pruned runs are listed in the output (the counts cover all). */
const LISTED = 1000;

export interface PruneData {
  ok: true;
  dry_run: boolean;
  limits: { keep_runs: number | null; keep_days: number | null };
  counts: { runs: number; events: number; logs: number; log_bytes: number };
  runs: {
    run_id: string;
    task: string;
    status: string;
    finished_at: string | null;
    reason: string;
  }[];
  runs_truncated: boolean;
  log_errors: string[];
  message: string;
}

function limitOpt(input: CommandInput, name: string, integer: boolean): number | undefined {
  const raw = input.opts[name] as string | undefined;
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isSafeInteger(v))) {
    throw new DocketError(
      "usage",
      `Invalid --${name} "${raw.slice(0, 40)}": expected a positive ${
        integer ? "whole " : ""
      }number`,
      { hint: `For example --${name} ${integer ? "100" : "30"}` },
    );
  }
  return v;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const keepRuns = limitOpt(input, "keep-runs", true);
  const keepDays = limitOpt(input, "keep-days", false);
  const cfg = await input.config();
  const limits: RetentionLimits = { ...cfg.history };
  if (keepRuns !== undefined) limits.keep_runs = keepRuns;
  if (keepDays !== undefined) limits.keep_days = keepDays;
  const dryRun = input.opts["dry-run"] === true;
  const data: PruneData = {
    ok: true,
    dry_run: dryRun,
    limits: { keep_runs: limits.keep_runs ?? null, keep_days: limits.keep_days ?? null },
    counts: { runs: 0, events: 0, logs: 0, log_bytes: 0 },
    runs: [],
    runs_truncated: false,
    log_errors: [],
    message: "",
  };
  if (limits.keep_runs === undefined && limits.keep_days === undefined) {
    data.message = "No history limits: set history.keep_runs and/or history.keep_days in the " +
      "config (or pass --keep-runs/--keep-days); nothing was pruned";
    return { exitCode: 0, data };
  }
  // Reconcile first: a dead runner's run becomes lost (finished), and so prunable.
  const store = openReconciled(cfg);
  let found: PruneCandidate[];
  try {
    const retention = store.retention();
    const keep = limits.keep_runs ?? null;
    const cutoff = cutoffFor(limits.keep_days);
    found = dryRun ? retention.pruneCandidates(keep, cutoff) : retention.deleteRuns(keep, cutoff);
  } finally {
    store.close();
  }
  for (const c of found) {
    data.counts.runs++;
    data.counts.events += c.event_count;
    // Only a file docket named after the run: a hand-edited log_path never deletes anything else.
    if (!c.log_path || basename(c.log_path) !== `${c.run_id}.log`) continue;
    try {
      const size = Deno.statSync(c.log_path).size;
      if (!dryRun) Deno.removeSync(c.log_path);
      data.counts.logs++;
      data.counts.log_bytes += size;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        data.log_errors.push(`${c.log_path}: ${(err as Error).message}`);
      }
    }
  }
  data.runs = found.slice(0, LISTED).map((c) => ({
    run_id: c.run_id,
    task: c.task_name,
    status: c.status,
    finished_at: c.finished_at,
    reason: c.reason,
  }));
  data.runs_truncated = found.length > LISTED;
  const c = data.counts;
  data.message = `${dryRun ? "Would prune" : "Pruned"} ${c.runs} run(s), ${c.events} event(s) ` +
    `and ${c.logs} log file(s) (${mib(c.log_bytes)})`;
  return { exitCode: 0, data };
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
}

export function render(data: unknown, _ui: Ui): string {
  const d = data as PruneData;
  const lines = [d.message];
  if (d.runs.length) {
    lines.push(
      table(
        ["RUN ID", "TASK", "STATUS", "FINISHED", "REASON"],
        d.runs.map((r) => [r.run_id, esc(r.task), r.status, r.finished_at ?? "-", esc(r.reason)]),
      ),
    );
  }
  for (const e of d.log_errors) lines.push(`warning: cannot remove log ${esc(e)}`);
  return lines.join("\n");
}
