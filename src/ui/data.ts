/**
 * The dashboard's documents (`/api/overview`, `/api/tasks/<name>`, `/api/runs/<id>/page`):
 * read-only views (a lost run is shown as it would be recorded, nothing is written) built
 * from the same functions as the CLI: `taskJson` (capabilities), `runJson` (status).
 */
import type { DocketConfig } from "../config/types.ts";
import { listTasks, type TaskInfo } from "../registry/registry.ts";
import { lastRunJson, openReader, runJson, taskJson } from "../commands/common.ts";
import { historyTasks, lastSuccess, recentRuns, runPage, sqliteDb } from "./queries.ts";
import { taskStats } from "./stats.ts";
import { dueState } from "./schedule.ts";
import { isTerminal } from "../core/statuses.ts";
import { DocketError } from "../core/errors.ts";
import { fileSize, readRange } from "../runs/log_file.ts";

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export async function overviewData(cfg: DocketConfig) {
  const tasks = await listTasks(cfg);
  const { store, view } = openReader(cfg, true);
  try {
    const names = [...new Set([...tasks.keys(), ...historyTasks(sqliteDb(store))])].sort(byName);
    const latest = store.latestPerTask();
    const running = store.activeRuns().map(view).filter((r) => !isTerminal(r.status))
      .sort((a, b) => byName(a.run_id, b.run_id))
      .map((r) => ({ ...lastRunJson(r)!, task: r.task_name, dry_run: r.dry_run }));
    const rows = names.map((name) => {
      const t = tasks.get(name);
      const last = latest.get(name);
      return {
        name,
        source: t?.source ?? "history",
        description: t?.description ?? "",
        last_run: lastRunJson(last && view(last)),
        last_success: lastSuccess(sqliteDb(store), name),
        ...dueState(name, t?.config.schedule),
        stats: taskStats(recentRuns(sqliteDb(store), name)),
      };
    });
    return { ok: true, running, tasks: rows };
  } finally {
    store.close();
  }
}

export async function findTaskOrHistory(cfg: DocketConfig, name: string) {
  const tasks = await listTasks(cfg);
  return tasks.get(name) ?? null;
}

export async function taskData(cfg: DocketConfig, name: string, before: string | null) {
  const t: TaskInfo | null = await findTaskOrHistory(cfg, name);
  const { store } = openReader(cfg, true);
  try {
    const recent = recentRuns(sqliteDb(store), name);
    const page = runPage(sqliteDb(store), name, before, 50);
    if (!t && !recent.length && !page.runs.length && before === null) {
      throw new DocketError("task_not_found", `Cannot find task "${name.slice(0, 80)}"`, {
        hint: "The overview (/) lists every task",
      });
    }
    return {
      ok: true,
      name,
      task: t ? taskJson(t, cfg) : null,
      ...dueState(name, t?.config.schedule),
      last_success: lastSuccess(sqliteDb(store), name),
      stats: taskStats(recent),
      runs: page.runs,
      next_before: page.next,
    };
  } finally {
    store.close();
  }
}

const LOG_TAIL = 64 * 1024;

export function runData(cfg: DocketConfig, runId: string) {
  const { store, view } = openReader(cfg, true);
  try {
    const got = store.getRun(runId);
    if (!got) {
      throw new DocketError("run_not_found", `Cannot find run "${runId}"`, {
        hint: "The overview (/) links every task's runs",
      });
    }
    const r = view(got);
    const events = store.listEvents(runId, 0, 1000);
    const size = r.log_path ? fileSize(r.log_path) : 0;
    const start = Math.max(0, size - LOG_TAIL);
    const bytes = r.log_path ? readRange(r.log_path, start, LOG_TAIL) : new Uint8Array(0);
    return {
      ok: true,
      run: runJson(r),
      events,
      events_total: store.countEvents(runId),
      log: {
        content: new TextDecoder().decode(bytes),
        offset: start + bytes.length,
        truncated: start > 0,
      },
    };
  } finally {
    store.close();
  }
}
