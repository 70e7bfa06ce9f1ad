/**
 * Async runs: the launcher records the run (holding the task's lock), starts a detached
 * runner (own session and process group, survives the caller) and returns a receipt at once.
 * The runner (`docket __runner <run_id>`) takes over the lock and performs the run.
 */
import type { DocketConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { fromFileUrl } from "../core/path.ts";
import { newRunId } from "../core/ids.ts";
import { processStart } from "../core/proc.ts";
import { DocketError } from "../core/errors.ts";
import { openStore } from "../store/open.ts";
import { reconcile } from "./reconcile.ts";
import { prepareRun } from "./execute.ts";
import { secretOverrides } from "./overrides.ts";
import type { SlotStart } from "../schedule/record.ts";
import type { SqliteStore } from "../store/sqlite_store.ts";

const MAIN = fromFileUrl(new URL("../../main.ts", import.meta.url));

export interface Receipt {
  ok: true;
  status: "running";
  task: string;
  run_id: string;
  pid: number;
  log_path: string;
  dry_run: boolean;
  next_check_after_seconds: number;
  status_command: string;
  wait_command: string;
  logs_command: string;
  events_command: string;
  cancel_command: string;
}

export async function startAsync(o: {
  cfg: DocketConfig;
  task: TaskInfo;
  dryRun: boolean;
  force: boolean;
  overrides: Record<string, unknown>;
  audit?: boolean;
  /** The config file's hash, taken before `cfg` was loaded. */
  configSha256: string | null;
  /** A scheduled start (the ledger records it). */
  slot?: SlotStart;
  /** The scheduler's store (kept open), instead of opening one per start. */
  store?: SqliteStore;
}): Promise<Receipt> {
  const store = o.store ?? openStore(o.cfg);
  try {
    reconcile(store);
    const p = await prepareRun({ ...o, store, runId: newRunId(), async: true });
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--no-prompt",
          MAIN,
          "__runner",
          p.runId,
          ...(o.audit ? ["--audit"] : []),
        ],
        // Overrides of secret-looking keys are not in the state DB: they come on stdin.
        stdin: "piped",
        stdout: "null",
        stderr: "null",
        detached: true,
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(JSON.stringify(secretOverrides(o.overrides))));
      await w.close();
    } catch (err) {
      store.finishRun(p.runId, {
        status: "failed",
        exit_code: 1,
        summary: `Cannot start the runner: ${(err as Error).message}`,
        details: {},
        error: { kind: "internal", message: (err as Error).message },
        finished_at: new Date().toISOString(),
        duration_ms: 0,
        attempts: 0,
      });
      throw new DocketError("internal", `Cannot start the runner: ${(err as Error).message}`);
    }
    child.unref();
    const start = processStart(child.pid)?.start ?? "";
    store.setRunner(p.runId, { runner_pid: child.pid, runner_start: start });
    store.transfer(o.task.name, p.runId, child.pid, start);
    const id = p.runId;
    return {
      ok: true,
      status: "running",
      task: o.task.name,
      run_id: id,
      pid: child.pid,
      log_path: p.logPath,
      dry_run: o.dryRun,
      next_check_after_seconds: 5,
      status_command: `docket --json status --run-id ${id}`,
      wait_command: `docket --json wait ${id}`,
      logs_command: `docket logs ${id}`,
      events_command: `docket --json events ${id}`,
      cancel_command: `docket --json cancel ${id}`,
    };
  } finally {
    if (!o.store) store.close();
  }
}
