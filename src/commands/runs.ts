/** `docket runs [task] [--limit N]`: recent run history, newest first. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { lazy } from "../core/lazy.ts";
import { openReader, runJson } from "./common.ts";
import { hostIdOf } from "../config/types.ts";
import { columns, duration, fit, statusText, table, when, width } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const raw = input.opts.limit as string | undefined;
  const limit = raw === undefined ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10000) {
    throw new DocketError("usage", `Invalid --limit "${raw}": expected a whole number 1-10000`, {
      hint: "For example --limit 50",
    });
  }
  const cfg = await input.config();
  const { store, view } = openReader(cfg, input.readOnly);
  try {
    const task = input.args[0];
    const host = input.opts.host as string | undefined;
    const rows = store.listRuns({ ...(task ? { task } : {}), ...(host ? { host } : {}), limit })
      // a one-host (SQLite) store records no host: its runs are this host's
      .filter((r) => !host || (r.host_id ?? hostIdOf(cfg)) === host);
    if (task && rows.length === 0) {
      // No history: say so if the name is not a task at all (a typo), with a suggestion.
      const { findTask } = await lazy<typeof import("../registry/registry.ts")>(
        "../registry/registry.ts",
        import.meta.url,
      );
      await findTask(cfg, task);
    }
    return { exitCode: 0, data: { ok: true, runs: rows.map((r) => runJson(view(r))) } };
  } finally {
    store.close();
  }
}

export function render(data: unknown, ui: Ui): string {
  const runs = (data as { runs: ReturnType<typeof runJson>[] }).runs;
  if (!runs.length) return "No runs yet.";
  const hosts = runs.some((r) => r.host !== undefined);
  const rows = runs.map((r) => [
    esc(r.run_id),
    esc(r.task),
    ...(hosts ? [esc(r.host ?? "-")] : []),
    statusText(ui, r.status),
    when(ui, r.started_at),
    duration(r.duration_ms),
  ]);
  const headers = [
    "RUN ID",
    "TASK",
    ...(hosts ? ["HOST"] : []),
    "STATUS",
    "STARTED",
    "DURATION",
    "SUMMARY",
  ];
  // The summary gets what the other columns leave of the terminal (at least 20 characters).
  const used = table(headers.slice(0, -1), rows).split("\n")
    .reduce((n, l) => Math.max(n, width(l)), 0);
  const room = Math.max(20, columns(ui) - used - 2);
  return table(headers, rows.map((row, i) => [...row, fit(esc(runs[i]!.summary), room)]));
}
