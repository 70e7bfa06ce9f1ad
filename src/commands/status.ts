/** `docket status [task]` and `docket status --run-id <id>`. */
import { sqliteDbOf } from "../store/sqlite_access.ts";
import type { Store } from "../core/store.ts";
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { isRunId } from "../core/ids.ts";
import { lazy } from "../core/lazy.ts";
import { lastRunJson, openReader, runJson } from "./common.ts";
import { duration, paint, statusText, table, when } from "../render/ui.ts";
import type { DocketConfig } from "../config/types.ts";
import type { ScheduleSummary } from "../schedule/ledger.ts";
import { esc } from "../render/escape.ts";

export function requireRunId(id: string): string {
  if (!isRunId(id)) {
    throw new DocketError("usage", `Invalid run id "${id.slice(0, 80)}"`, {
      hint: "Run ids look like 20260427T013000000000Z-ab12cd34 (see `docket runs`)",
    });
  }
  return id;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const runId = input.opts["run-id"] as string | undefined;
  if (runId !== undefined) requireRunId(runId);
  if (runId !== undefined && input.args[0] !== undefined) {
    throw new DocketError("usage", "Give either a task or --run-id to docket status, not both", {
      hint: `docket status --run-id ${runId}`,
    });
  }
  const { store, view } = openReader(cfg, input.readOnly);
  try {
    if (runId !== undefined) {
      const got = store.getRun(runId);
      const r = got && view(got);
      if (!r) {
        throw new DocketError("run_not_found", `Cannot find run "${runId}"`, {
          hint: "`docket runs` lists recent runs",
        });
      }
      return { exitCode: 0, data: { ok: true, run: runJson(r) } };
    }
    const latest = store.latestPerTask();
    const task = input.args[0];
    if (task !== undefined) {
      let last = latest.get(task);
      if (!last) {
        const { findTask } = await lazy<typeof import("../registry/registry.ts")>(
          "../registry/registry.ts",
          import.meta.url,
        );
        await findTask(cfg, task); // unknown task → task_not_found with a suggestion
      }
      const active = store.listRuns({ task, limit: 1, includeDryRuns: false })[0];
      if (active && (active.status === "running" || active.status === "queued")) last = active;
      const schedule = (await summaries(store, cfg, [task]))[task] ?? null;
      return { exitCode: 0, data: { ok: true, task, last_run: lastRunJson(last), schedule } };
    }
    const names = new Set<string>([...Object.keys(cfg.tasks), ...latest.keys()]);
    const running = new Map(store.activeRuns().map((r) => [r.task_name, r]));
    const sched = await summaries(store, cfg, [...names]);
    return {
      exitCode: 0,
      data: {
        ok: true,
        tasks: [...names].sort().map((name) => ({
          name,
          last_run: lastRunJson(running.get(name) ?? latest.get(name)),
          schedule: sched[name] ?? null,
        })),
      },
    };
  } finally {
    store.close();
  }
}

type Last = ReturnType<typeof lastRunJson>;

/** The ledger's view of each scheduled task (20 slots each at most: cheap). */
async function summaries(
  store: Store,
  cfg: DocketConfig,
  names: string[],
): Promise<Record<string, ScheduleSummary>> {
  const out: Record<string, ScheduleSummary> = {};
  // The ledger is SQLite's (no PostgreSQL counterpart yet): no schedule summary there.
  const db = sqliteDbOf(store);
  if (!db) return out;
  // croner and the ledger load only when some task has a schedule.
  if (!names.some((n) => typeof cfg.tasks[n]?.schedule === "string")) return out;
  const { policyOf } = await lazy<typeof import("../schedule/next.ts")>(
    "../schedule/next.ts",
    import.meta.url,
  );
  const { scheduleSummary } = await lazy<typeof import("../schedule/ledger.ts")>(
    "../schedule/ledger.ts",
    import.meta.url,
  );
  for (const name of names) {
    const section = cfg.tasks[name];
    const p = section ? policyOf(name, section) : undefined;
    if (p) out[name] = scheduleSummary(db, name, p);
  }
  return out;
}

function scheduleCell(ui: Ui, s: ScheduleSummary | null | undefined): string {
  if (!s) return "-";
  const flags = [
    ...(s.overdue ? [paint(ui, "red", "overdue")] : []),
    ...(s.missed ? [paint(ui, "red", `${s.missed} missed`)] : []),
    ...(s.last_slot?.state === "refused" || s.last_slot?.state === "skipped"
      ? [paint(ui, "yellow", `last ${s.last_slot.state}`)]
      : []),
  ];
  return flags.length ? flags.join(", ") : "on time";
}

export function render(data: unknown, ui: Ui): string {
  const d = data as {
    run?: ReturnType<typeof runJson>;
    task?: string;
    last_run?: Last;
    schedule?: ScheduleSummary | null;
    tasks?: { name: string; last_run: Last; schedule?: ScheduleSummary | null }[];
  };
  if (d.run) {
    const r = d.run;
    const lines = [
      `${esc(r.run_id)}  ${esc(r.task)}  ${statusText(ui, r.status)}  ${duration(r.duration_ms)}`,
      `  started:  ${when(ui, r.started_at)}`,
      `  summary:  ${esc(r.summary) || "-"}`,
    ];
    if (r.error) lines.push(`  error:    ${esc(r.error.kind)}: ${esc(r.error.message)}`);
    if (r.log_path) lines.push(`  log:      ${esc(r.log_path)}`);
    return lines.join("\n");
  }
  const rows = d.tasks ??
    [{ name: d.task!, last_run: d.last_run ?? null, schedule: d.schedule ?? null }];
  // Schedule columns only when a task has a schedule (the plain table stays as it was).
  const sched = rows.some((t) => t.schedule);
  return table(
    [
      "TASK",
      "STATUS",
      "WHEN",
      "DURATION",
      ...(sched ? ["LAST SUCCESS", "NEXT DUE", "SCHEDULE"] : []),
      "SUMMARY",
    ],
    rows.map((t) => [
      esc(t.name),
      statusText(ui, t.last_run?.status),
      when(ui, t.last_run?.finished_at ?? t.last_run?.started_at),
      duration(t.last_run?.duration_ms),
      ...(sched
        ? [
          t.schedule ? when(ui, t.schedule.last_success) : "-",
          t.schedule?.next_due ? when(ui, t.schedule.next_due) : "-",
          scheduleCell(ui, t.schedule),
        ]
        : []),
      esc(t.last_run?.summary),
    ]),
  );
}
