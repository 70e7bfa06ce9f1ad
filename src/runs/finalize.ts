/** A run's end: recording it, then hooks and notifications, exactly once per run. */
import { sqliteDbOf } from "../store/sqlite_access.ts";
import type { RunFinish, RunRow } from "../core/store.ts";
import { lazy } from "../core/lazy.ts";
import { selfIdentity } from "../core/proc.ts";
import { type Prepared, taskSecrets } from "./execute.ts";
import { recordOutcome, removeSpool, spoolPath, writeSpool } from "./spool.ts";
import { pidNamespace } from "./liveness.ts";

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
    const recovered = row.status === "succeeded" && notify.on?.includes("recovered") === true &&
      previousFailed(p, row);
    results.push(
      ...await sendNotifications(notify, outcome, (k) => Deno.env.get(k), { recovered }),
    );
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

/** `recovered`: the task's previous finished (non-dry) run did not succeed. */
function previousFailed(p: Prepared, row: RunRow): boolean {
  try {
    const db = sqliteDbOf(p.store);
    if (!db) return false; // the ledger's `recovered` reads SQLite only (for now)
    const prev = db.prepare(
      `SELECT status FROM runs WHERE task_name = ? AND run_id < ? AND dry_run = 0
         AND status NOT IN ('running', 'queued') ORDER BY run_id DESC LIMIT 1`,
    ).get(row.task_name, row.run_id) as { status: string } | undefined;
    return prev !== undefined && prev.status !== "succeeded";
  } catch {
    return false;
  }
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

/**
 * Records a run's end (see spool.ts: retried, else spooled) and fires its hooks once the
 * outcome is known; returns the final row.
 */
export async function recordAndFire(p: Prepared, finish: RunFinish): Promise<RunRow> {
  const spool = spoolPath(p.logPath);
  const recorded = await recordOutcome(p.store, p.runId, finish, spool);
  if (recorded) {
    await fireHooks(p, p.store.getRun(p.runId)!, (hooks) => p.store.setHooks(p.runId, hooks));
    return p.store.getRun(p.runId)!;
  }
  // The store would not take it in time: the spool holds the outcome, hooks run on it now,
  // and the next docket command that opens the store records both.
  console.error(
    `docket: cannot record run ${p.runId} in the state DB yet; its result is kept in ${spool} ` +
      "and recorded by the next docket command",
  );
  const row: RunRow = { ...spooledRow(p), ...finish };
  const hooks = await fireHooks(p, row, (hooks) => {
    try {
      // The store may take it now (or another command delivered the spool meanwhile).
      p.store.finishRun(p.runId, finish);
      p.store.setHooks(p.runId, hooks);
      removeSpool(spool);
      return;
    } catch {
      // still refused: the spool carries the hook results too
    }
    const err = writeSpool(spool, { run_id: p.runId, finish, hooks });
    if (err) throw new Error(err);
  });
  return { ...row, hooks };
}

/** The run's row as the store would hold it, for a result only the spool has. */
function spooledRow(p: Prepared): RunRow {
  try {
    const r = p.store.getRun(p.runId); // readers are not blocked by a writer (WAL)
    if (r) return r;
  } catch {
    // the DB cannot even be read: build it from what the run knows
  }
  const me = selfIdentity();
  return {
    run_id: p.runId,
    task_name: p.task.name,
    status: "running",
    exit_code: null,
    summary: "",
    details: {},
    error: null,
    started_at: new Date(p.startedMs).toISOString(),
    finished_at: null,
    duration_ms: null,
    dry_run: p.dryRun,
    attempts: 0,
    async: p.async,
    runner_pid: me.pid,
    runner_start: me.start,
    runner_ns: pidNamespace(),
    task_pid: null,
    task_start: null,
    cancel_requested_at: null,
    log_path: p.logPath,
    overrides: p.overrides,
    hooks: [],
    admission: p.admission,
  };
}
