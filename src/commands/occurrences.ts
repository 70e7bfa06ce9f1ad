/** `docket occurrences <task> [--since T] [--limit N]`: the task's slots, newest first. */
import { requireSqliteDb } from "../store/sqlite_access.ts";
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { findTask } from "../registry/registry.ts";
import { openReader } from "./common.ts";
import { MAX_LIMIT, type Occurrence, occurrences } from "../schedule/ledger.ts";
import { policyOf } from "../schedule/next.ts";
import { paint, table, when } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const raw = input.opts.limit as string | undefined;
  const limit = raw === undefined ? 20 : Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw new DocketError(
      "usage",
      `Invalid --limit "${String(raw).slice(0, 40)}": expected a whole number 1-${MAX_LIMIT}`,
      { hint: "For example --limit 50" },
    );
  }
  const sinceRaw = input.opts.since as string | undefined;
  const since = sinceRaw === undefined ? undefined : new Date(sinceRaw);
  if (since && (!/^\d{4}-\d\d-\d\d/.test(sinceRaw!) || !Number.isFinite(since.getTime()))) {
    throw new DocketError("usage", `Invalid --since "${sinceRaw!.slice(0, 60)}"`, {
      hint: "Give a date or an ISO 8601 time, e.g. --since 2026-01-01 or 2026-01-01T03:00:00Z",
    });
  }
  const cfg = await input.config();
  const task = await findTask(cfg, input.args[0]!);
  const policy = policyOf(task.name, task.config);
  if (!policy) {
    throw new DocketError("usage", `Task "${task.name}" has no schedule: it has no slots`, {
      hint: `Add schedule: under tasks.${task.name} in ${cfg.path}`,
    });
  }
  const { store } = openReader(cfg, input.readOnly);
  try {
    const list = occurrences(requireSqliteDb(store, "The occurrence ledger"), task.name, policy, {
      ...(since ? { since } : {}),
      limit,
    });
    return { exitCode: 0, data: { ok: true, task: task.name, occurrences: list } };
  } finally {
    store.close();
  }
}

const COLOR = {
  ran: "green",
  late: "yellow",
  skipped: "yellow",
  refused: "red",
  missed: "red",
  pending: "blue",
} as const;

export function render(data: unknown, ui: Ui): string {
  const d = data as { task: string; occurrences: Occurrence[] };
  if (!d.occurrences.length) return `No slots of ${esc(d.task)} recorded or expected yet.`;
  return table(
    ["SLOT", "STATE", "RUN ID", "DELAY", "REASON"],
    d.occurrences.map((o) => [
      esc(o.slot),
      paint(ui, COLOR[o.state], o.state),
      esc(o.run_id ?? "-"),
      o.delay_ms === null ? "-" : `${(o.delay_ms / 1000).toFixed(1)}s`,
      esc(o.reason ?? (o.started_at ? `started ${when(ui, o.started_at)}` : "")),
    ]),
  );
}
