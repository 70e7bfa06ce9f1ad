/** `docket list`: every discovered task with its last run. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { listTasks } from "../registry/registry.ts";
import { byName, lastRunJson, openReconciled } from "./common.ts";
import { paint, statusText, table, when } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const tasks = await listTasks(cfg);
  const store = openReconciled(cfg);
  try {
    const latest = store.latestPerTask();
    return {
      exitCode: 0,
      data: {
        ok: true,
        tasks: [...tasks.values()].sort(byName).map((t) => ({
          name: t.name,
          description: t.description,
          source: t.source,
          schedule: typeof t.config.schedule === "string" ? t.config.schedule : null,
          load_error: t.loadError,
          last_run: lastRunJson(latest.get(t.name)),
        })),
      },
    };
  } finally {
    store.close();
  }
}

interface Row {
  name: string;
  description: string;
  source: string;
  schedule: string | null;
  load_error: { message: string } | null;
  last_run: { status: string; finished_at: string | null } | null;
}

export function render(data: unknown, ui: Ui): string {
  const rows = (data as { tasks: Row[] }).tasks;
  return table(
    ["TASK", "SOURCE", "SCHEDULE", "LAST RUN", "STATUS", "DESCRIPTION"],
    rows.map((t) => [
      esc(t.name),
      esc(t.source),
      esc(t.schedule ?? "-"),
      when(ui, t.last_run?.finished_at),
      t.load_error ? paint(ui, "red", "load error") : statusText(ui, t.last_run?.status),
      esc(t.load_error ? t.load_error.message : t.description),
    ]),
  );
}
