/**
 * Runs a task: validation, lock, attempts with retry/backoff, the sandboxed child, timeouts,
 * recording in SQLite, hooks. The foreground `run` and the async runner both use it.
 */

import { fromFileUrl, join } from "../core/path.ts";
import { DocketError, errorToJson, toDocketError } from "../core/errors.ts";
import { nowIso } from "../core/ids.ts";
import { lazy } from "../core/lazy.ts";
import { selfIdentity } from "../core/proc.ts";
import { exitCodeForStatus } from "../core/statuses.ts";
import type { Admission, RunFinish, RunRow } from "../core/store.ts";
import type { DocketConfig } from "../config/types.ts";
import { taskOwnConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import type { Store } from "../core/store.ts";
import { assertNoEscapingLinks } from "../sandbox/symlinks.ts";
import { assertNoDocketPaths } from "../sandbox/home_guard.ts";
import { describeRun, taskChildSpec } from "../sandbox/child_spec.ts";
import { hostFacts } from "../sandbox/host.ts";
import { maskDeep, StreamMasker } from "../notify/mask.ts";
import { configSecrets } from "../core/secrets.ts";
import { logCutMarker, maxLogBytes } from "./output_budget.ts";
import { storedOverrides } from "./overrides.ts";
import { removeCancelGrace } from "./cancel_grace.ts";
import { applySchemaDefaults, assertSchema } from "./schema_check.ts";
import { assertOverridable } from "./overrides.ts";
import { assertRequiredEnv } from "./required_env.ts";
import { EventSink } from "./events.ts";
import { attemptDeno } from "./attempt_deno.ts";
import { attemptCommand } from "./attempt_command.ts";
import { type AttemptOutcome, cancelledOutcome, noteRunner, num } from "./outcome.ts";
import { sleep } from "./watch.ts";
import { admissionOf, assertModuleUnchanged } from "./admission.ts";
import { MAX_DURATION_SECONDS } from "../core/duration.ts";
import { assertPrivateDir, createLog } from "./private_dir.ts";
import { armHeartbeat, pidNamespace, startHeartbeat } from "./liveness.ts";
import { docketHome } from "../core/paths.ts";
import { acquireTaskLock } from "./slot_lock.ts";
import { prepareSlot, type SlotStart } from "../schedule/record.ts";

export interface PrepareOptions {
  cfg: DocketConfig;
  task: TaskInfo;
  store: Store;
  runId: string;
  dryRun: boolean;
  force: boolean;
  overrides: Record<string, unknown>;
  async: boolean;
  /** `run --audit`: record the child's permission checks and report drift in details.audit. */
  audit?: boolean;
  /** The config file's hash, taken before the config was loaded (see admission.ts). */
  configSha256: string | null;
  /** A scheduled start: the slot (ISO fire time) and who started it (src/schedule/record.ts). */
  slot?: SlotStart;
}

export interface Prepared extends PrepareOptions {
  /** What was admitted; each attempt checks the module against it. */
  admission: Admission;
  /** Effective section: config + overrides. */
  section: Record<string, unknown>;
  logPath: string;
  startedMs: number;
}

/**
 * Validates and records a new run (status running) holding the task's lock. A start for a
 * schedule slot records the slot's outcome (started, skipped or refused) in the ledger.
 */
export function prepareRun(o: PrepareOptions): Promise<Prepared> {
  return o.slot ? prepareSlot(o, prepareChecked) : prepareChecked(o);
}

async function prepareChecked(o: PrepareOptions): Promise<Prepared> {
  const { task } = o;
  if (task.loadError) {
    throw new DocketError(task.loadError.kind, task.loadError.message, {
      hint: "Fix the task module; `docket doctor` lists tasks that fail to load",
    });
  }
  // docket's own files are never granted, whatever the task or the config declares.
  assertNoDocketPaths(o.cfg, task.name, task.grants);
  const section: Record<string, unknown> = { ...task.config, ...o.overrides };
  if (Object.keys(o.overrides).length) {
    const { validateSection } = await lazy<typeof import("./validate_section.ts")>(
      "./validate_section.ts",
      import.meta.url,
    );
    await validateSection(task, section);
    assertOverridable(task, o.overrides);
    assertSameGrants(task, section, o.overrides);
  }
  // Before anything is recorded or started: a missing credential is the operator's to fix.
  assertRequiredEnv({ name: task.name, required_env: task.grants.required_env ?? [] });
  assertOsPolicy(o.cfg, task, section);
  if (task.source !== "command") {
    assertSchema(task.name, task.schema, applySchemaDefaults(task.schema, taskOwnConfig(section)));
    // A dry run gets no write grant outside scratch (deriveSandbox), so its writes are moot.
    assertNoEscapingLinks(task.name, o.dryRun ? { ...task.grants, writes: [] } : task.grants);
  }
  try {
    Deno.mkdirSync(o.cfg.logs_dir, { recursive: true, mode: 0o700 });
    assertPrivateDir("DOCKET_HOME", docketHome());
    assertPrivateDir("logs_dir", o.cfg.logs_dir);
  } catch (err) {
    if (err instanceof DocketError) throw err;
    throw new DocketError(
      "io_error",
      `Cannot create logs_dir "${o.cfg.logs_dir}": ${(err as Error).message}`,
      { hint: "Fix logs_dir in the config or its permissions (`docket doctor` checks it)" },
    );
  }
  const logPath = join(o.cfg.logs_dir, `${o.runId}.log`);
  const me = selfIdentity();
  if (!o.dryRun && !o.force) await acquireTaskLock(o, me);
  const admission = await admissionOf(task, o.configSha256);
  const startedMs = Date.now();
  o.store.insertRun({
    run_id: o.runId,
    task_name: task.name,
    status: "running",
    exit_code: null,
    summary: "",
    details: {},
    error: null,
    started_at: new Date(startedMs).toISOString(),
    finished_at: null,
    duration_ms: null,
    dry_run: o.dryRun,
    attempts: 0,
    async: o.async,
    runner_pid: me.pid,
    runner_start: me.start,
    runner_ns: pidNamespace(),
    task_pid: null,
    task_start: null,
    cancel_requested_at: null,
    log_path: logPath,
    // Secret-looking values stay out of the state DB (the async runner gets them on stdin).
    overrides: storedOverrides(o.overrides),
    hooks: [],
    admission,
  });
  return { ...o, section, logPath, startedMs, admission };
}

/** Rebuilds a prepared run from its recorded row (the async runner's side). */
export function resumePrepared(
  o: Omit<PrepareOptions, "runId" | "dryRun" | "force" | "overrides" | "async" | "configSha256">,
  row: RunRow & { admission: Admission },
): Prepared {
  return {
    ...o,
    configSha256: row.admission.config_sha256,
    admission: row.admission,
    runId: row.run_id,
    dryRun: row.dry_run,
    force: false,
    overrides: row.overrides,
    async: true,
    section: { ...o.task.config, ...row.overrides },
    logPath: row.log_path ?? join(o.cfg.logs_dir, `${row.run_id}.log`),
    startedMs: Date.parse(row.started_at),
  };
}

export interface PerformOptions {
  signal: AbortSignal;
  /** Called with every chunk of task output (for -v echo and live lines). */
  onOutput?: (bytes: Uint8Array) => void;
  onEvent?: (type: string) => void;
  /** Aborted to kill the task's group at once (a second Ctrl-C). */
  killNow?: AbortSignal;
}

/**
 * Runs the attempts, records the result, fires hooks; returns the final row. Whatever fails
 * inside docket meanwhile is recorded as this run's failure (its own kind) before it is
 * thrown on: a run docket itself failed is never left `running`, for reconcile to call `lost`.
 */
export async function performRun(p: Prepared, po: PerformOptions): Promise<RunRow> {
  // Until the hooks are done: how a runner in another PID namespace shows it is alive.
  const stopHeartbeat = startHeartbeat(p.logPath);
  try {
    return await performAttempts(p, po);
  } catch (err) {
    const e = toDocketError(err);
    try {
      p.store.finishRun(p.runId, {
        status: "failed",
        exit_code: exitCodeForStatus("failed"),
        summary: `docket failed while running the task: ${e.message}`,
        details: {},
        error: errorToJson(e),
        finished_at: nowIso(),
        duration_ms: Date.now() - p.startedMs,
        attempts: p.store.getRun(p.runId)?.attempts ?? 0,
      });
    } catch {
      // the store itself failed: reconcile is all that is left
    }
    throw e;
  } finally {
    stopHeartbeat();
  }
}

async function performAttempts(p: Prepared, po: PerformOptions): Promise<RunRow> {
  const started = p.startedMs;
  // A log that cannot be written (full disk, removed dir) must not kill the run: the result
  // still goes to SQLite, and its details say where the log stops and why.
  let log: Deno.FsFile | undefined;
  let logError: string | undefined;
  let logged = 0;
  let logReplaced: string | undefined;
  try {
    const made = createLog(p.logPath);
    log = made.file;
    logReplaced = made.replaced;
  } catch (err) {
    logError = (err as Error).message;
  }
  const secrets = taskSecrets(p);
  const masker = new StreamMasker(secrets);
  const logLimit = maxLogBytes();
  let dropped = 0;
  const emit = (b: Uint8Array) => {
    if (!b.length) return;
    if (log && logError === undefined) {
      const room = Math.max(0, logLimit - logged);
      const keep = b.length <= room ? b : b.subarray(0, room);
      if (keep.length < b.length) {
        if (dropped === 0) {
          try {
            log.writeSync(logCutMarker(logLimit));
          } catch {
            // the cut is recorded in details either way
          }
        }
        dropped += b.length - keep.length;
      }
      try {
        for (let off = 0; off < keep.length;) {
          const n = log.writeSync(keep.subarray(off));
          off += n;
          logged += n;
        }
      } catch (err) {
        logError = (err as Error).message;
      }
    }
    po.onOutput?.(b);
  };
  // Declared secrets (required_env values) never reach the log or the live echo.
  const writeLog = (b: Uint8Array) => emit(masker.push(b));
  const sink = new EventSink(p.store, p.runId, p.task.name);
  if (secrets.length) {
    const push = sink.push.bind(sink);
    sink.push = (e) => push(maskDeep(e, secrets)); // events are task output too
  }
  const audit = p.audit && p.task.source !== "command"
    ? await lazy<typeof import("../sandbox/audit.ts")>("../sandbox/audit.ts", import.meta.url)
    : undefined;
  const auditor = audit ? new audit.Auditor() : undefined;
  // Validated at load (config, --set; a module cannot set it); a non-count still means one try.
  const retry = p.dryRun ? 0 : Math.max(0, Math.trunc(Number(p.section.retry ?? 0)) || 0);
  const base = Number(p.section.backoff_base ?? 2);
  const cap = num(p.section.backoff_max);
  let outcome: AttemptOutcome | undefined;
  let attempt = 0;
  try {
    for (attempt = 1; attempt <= retry + 1; attempt++) {
      noteRunner(p, { attempts: attempt });
      if (attempt > 1) {
        writeLog(new TextEncoder().encode(`\n[docket] attempt ${attempt} of ${retry + 1}\n`));
      }
      // The module run is the one admitted, on every attempt (a retry may come much later).
      await assertModuleUnchanged(p.task.name, p.admission);
      outcome = p.task.source === "command"
        ? await attemptCommand(p, po, attempt, writeLog, sink)
        : await attemptDeno(p, po, attempt, writeLog, sink, auditor);
      if (outcome.status === "succeeded" || outcome.status === "dry_run") break;
      if (po.signal.aborted) {
        outcome = cancelledOutcome();
        break;
      }
      if (!outcome.retryable || attempt > retry || po.signal.aborted) break;
      let wait = Math.pow(base, attempt) * 1000;
      if (cap) wait = Math.min(wait, cap * 1000);
      wait = Math.min(wait, MAX_DURATION_SECONDS * 1000); // backoff_base ** attempt grows fast
      sink.push({
        timestamp: nowIso(),
        event_type: "docket.retry",
        event: { type: "docket.retry", attempt, next_attempt: attempt + 1, wait_ms: wait },
      });
      armHeartbeat();
      await sleep(wait, po.signal);
      if (po.signal.aborted) {
        outcome = cancelledOutcome();
        break;
      }
    }
  } catch (err) {
    outcome = {
      status: "failed",
      summary: `docket failed while running the task: ${(err as Error).message}`,
      details: {},
      error: errorToJson(
        err instanceof DocketError ? err : new DocketError("internal", (err as Error).message),
      ),
      retryable: false,
    };
  } finally {
    try {
      sink.flush();
    } catch (err) {
      // Whatever the task did, its record is incomplete: say so rather than drop events.
      outcome = {
        status: "failed",
        summary: `Events could not be recorded: ${(err as Error).message}`,
        details: { ...outcome?.details, task_status: outcome?.status ?? null },
        error: { kind: "state_error", message: (err as Error).message },
        retryable: false,
      };
    }
    emit(masker.flush());
    log?.close();
  }
  // No attempt ran (it cannot, with validated values): a failed run, never one left `running`
  // for reconcile to call lost.
  outcome ??= {
    status: "failed",
    summary: "docket ran no attempt of the task",
    details: {},
    error: { kind: "state_error", message: "No attempt of the task ran" },
    retryable: false,
  };
  // ...nor the stored result, which hooks and notifications read.
  const o = maskDeep(outcome, secrets);
  if (logError !== undefined) {
    o.details = { ...o.details, log_error: logError, log_bytes_written: logged };
  }
  if (logReplaced !== undefined) o.details = { ...o.details, log_replaced: logReplaced };
  if (dropped > 0) {
    o.details = { ...o.details, log_truncated: { limit_bytes: logLimit, dropped_bytes: dropped } };
  }
  if (sink.dropped > 0) {
    o.details = {
      ...o.details,
      events_truncated: { limit: sink.limit, dropped: sink.dropped },
    };
  }
  if (audit && auditor) {
    const modulePath = p.task.module!.startsWith("file:")
      ? fromFileUrl(p.task.module!)
      : p.task.module!;
    const imports = await audit.importGraph(modulePath);
    o.details = {
      ...o.details,
      // The audit lists what the task touched: a path or host may contain a secret's value.
      audit: maskDeep(auditor.report({ grants: p.task.grants, modulePath, imports }), secrets),
    };
  }
  const status = o.status;
  const finish: RunFinish = {
    status,
    exit_code: exitCodeForStatus(status),
    summary: o.summary,
    details: o.details,
    error: o.error,
    finished_at: nowIso(),
    duration_ms: Date.now() - started,
    attempts: Math.min(attempt, retry + 1),
  };
  removeCancelGrace(p.cfg.logs_dir, p.runId);
  armHeartbeat(); // hooks may take long
  const { recordAndFire } = await lazy<typeof import("./finalize.ts")>(
    "./finalize.ts",
    import.meta.url,
  );
  return await recordAndFire(p, finish);
}

/** `sandbox.os: required` refuses, before anything is recorded, a run the OS layer cannot hold. */
function assertOsPolicy(cfg: DocketConfig, task: TaskInfo, section: Record<string, unknown>) {
  const os = taskChildSpec(task, describeRun(section), hostFacts(cfg, task.name)).os;
  if (!os.refused) return;
  throw new DocketError("sandbox_unavailable", os.refused.message, {
    hint: os.refused.hint,
    details: { task: task.name, policy: os.policy, reason: os.reason ?? null },
  });
}

/**
 * The values masked as `***` in everything a run records (log, events, result, hook output):
 * the task's declared variables (required_env) and the secrets of its effective config, the
 * same ones `capabilities` masks (src/core/secrets.ts): literal `env:` values of secret-looking
 * names, `--set` values of secret-looking keys, credentials in its command line.
 */
export function taskSecrets(p: Prepared): string[] {
  return [
    ...(p.task.grants.required_env ?? []).map((k) => Deno.env.get(k) ?? ""),
    ...configSecrets(p.section),
  ].filter((v) => v.length >= 4);
}

/**
 * A per-run override must not change what the sandbox allows: built-in tasks derive grants
 * from their config (the tool, its destination), so an override that would change them is
 * refused rather than run with grants computed for another config.
 */
function assertSameGrants(
  task: TaskInfo,
  section: Record<string, unknown>,
  overrides: Record<string, unknown>,
): void {
  const before = JSON.stringify(task.regrant(task.config));
  const after = JSON.stringify(task.regrant(section));
  if (before === after) return;
  throw new DocketError(
    "usage",
    `Cannot apply --set ${Object.keys(overrides).join(", ")} to task "${task.name}": ` +
      "it would change the task's sandbox grants",
    {
      hint: "Change it in the config file instead (the operator's decision, not a run's)",
      details: { before: JSON.parse(before), after: JSON.parse(after) },
    },
  );
}
