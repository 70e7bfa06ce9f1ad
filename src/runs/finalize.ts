/** After a run is recorded: hooks and notifications, exactly once per run, never changing it. */
import type { RunRow } from "../core/store.ts";
import type { Prepared } from "./execute.ts";

export async function fireHooks(p: Prepared, row: RunRow): Promise<void> {
  const s = p.section;
  const has = s.on_success !== undefined || s.on_failure !== undefined ||
    s.on_complete !== undefined || s.notify !== undefined;
  if (!has || row.dry_run) return;
  const { runHooks } = await import("../notify/hooks.ts");
  const outcome = {
    runId: row.run_id,
    taskName: row.task_name,
    status: row.status,
    exitCode: row.exit_code ?? 1,
    summary: row.summary,
    details: row.details,
    durationMs: row.duration_ms ?? 0,
    ...(row.log_path ? { logPath: row.log_path } : {}),
  };
  const secrets = (p.task.grants.required_env ?? []).map((k) => Deno.env.get(k) ?? "")
    .filter((v) => v.length >= 4);
  const hookCfg: Record<string, unknown> = {};
  for (const k of ["on_success", "on_failure", "on_complete", "hook_timeout_seconds"]) {
    if (s[k] !== undefined) hookCfg[k] = s[k];
  }
  const results = await runHooks(hookCfg, outcome, { secrets });
  if (s.notify) {
    const { sendNotifications } = await import("../notify/notify.ts");
    results.push(
      ...await sendNotifications(
        s.notify as Parameters<typeof sendNotifications>[0],
        outcome,
        (k) => Deno.env.get(k),
      ),
    );
  }
  p.store.setHooks(row.run_id, results as unknown as RunRow["hooks"]);
}
