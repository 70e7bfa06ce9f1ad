/** After a run is recorded: hooks and notifications, exactly once per run, never changing it. */
import type { RunRow } from "../core/store.ts";
import { lazy } from "../core/lazy.ts";
import { type Prepared, taskSecrets } from "./execute.ts";

/**
 * Runs the hooks and notifications due for `row` and hands their results to `record`
 * (the store, or the outcome's spool). Returns the results.
 */
export async function fireHooks(
  p: Prepared,
  row: RunRow,
  record: (hooks: RunRow["hooks"]) => void,
): Promise<RunRow["hooks"]> {
  const s = p.section;
  const has = s.on_success !== undefined || s.on_failure !== undefined ||
    s.on_complete !== undefined || s.notify !== undefined;
  if (!has || row.dry_run) return [];
  const { runHooks, errorMessage } = await lazy<typeof import("../notify/hooks.ts")>(
    "../notify/hooks.ts",
    import.meta.url,
  );
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
  const notify = s.notify as NotifySection | undefined;
  // A hook may print what it inherited: the task's secrets and the notification tokens.
  const secrets = [...taskSecrets(p), ...notifySecrets(notify)];
  const hookCfg: Record<string, unknown> = {};
  for (const k of ["on_success", "on_failure", "on_complete", "hook_timeout_seconds"]) {
    if (s[k] !== undefined) hookCfg[k] = s[k];
  }
  const results = await runHooks(hookCfg, outcome, { secrets });
  if (notify) {
    const { sendNotifications } = await lazy<typeof import("../notify/notify.ts")>(
      "../notify/notify.ts",
      import.meta.url,
    );
    results.push(...await sendNotifications(notify, outcome, (k) => Deno.env.get(k)));
  }
  const hooks = results as unknown as RunRow["hooks"];
  try {
    record(hooks);
  } catch (e) {
    // The run's own result is already recorded; losing hook results must not fail it.
    console.error(`docket: cannot record hook results for run ${row.run_id}: ${errorMessage(e)}`);
  }
  return hooks;
}

type NotifySection = Parameters<typeof import("../notify/notify.ts").sendNotifications>[0];

function notifySecrets(n: NotifySection | undefined): string[] {
  if (!n) return [];
  const env = (k: string | undefined) => (k ? Deno.env.get(k) : undefined);
  return [
    env(n.discord?.webhook_url_env),
    n.discord?.webhook_url,
    env(n.telegram?.bot_token_env),
    n.telegram?.bot_token,
  ].filter((v): v is string => typeof v === "string" && v.trim().length >= 4).map((v) => v.trim());
}
