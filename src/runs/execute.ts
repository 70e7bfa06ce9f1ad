/**
 * Runs a task: validation, lock, attempts with retry/backoff, the sandboxed child, timeouts,
 * recording in SQLite, hooks. The foreground `run` and the async runner both use it.
 */

import { fromFileUrl, join, toFileUrl } from "../core/path.ts";
import { DocketError, type ErrorJson, errorToJson } from "../core/errors.ts";
import { nowIso } from "../core/ids.ts";
import { lazy } from "../core/lazy.ts";
import { isAlive, processStart, selfIdentity } from "../core/proc.ts";
import type { RunStatus } from "../core/statuses.ts";
import { exitCodeForStatus } from "../core/statuses.ts";
import type { RunRow } from "../core/store.ts";
import type { DocketConfig } from "../config/types.ts";
import { taskOwnConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import type { SqliteStore } from "../store/sqlite_store.ts";
import { childEnv, deriveSandbox } from "../sandbox/permissions.ts";
import { classifyDenial, MAX_RESULT_FRAME, type ResultFrame } from "../sandbox/protocol.ts";
import { type ChildOutcome, runChild } from "../sandbox/spawn.ts";
import { assertNoEscapingLinks } from "../sandbox/symlinks.ts";
import type { Auditor } from "../sandbox/audit.ts";
import { applySchemaDefaults, assertSchema } from "./schema_check.ts";
import { assertOverridable } from "./overrides.ts";
import { EventSink } from "./events.ts";
import { LineSplitter } from "./line_splitter.ts";
import { maskDeep, StreamMasker } from "../notify/mask.ts";
import {
  commandArgv,
  eventDetails,
  eventTypeOf,
  type Format,
  parseFinalOutput,
  parseJsonlLine,
} from "./command_task.ts";

const HARNESS = new URL("../sandbox/harness.ts", import.meta.url);
const TAIL = 64 * 1024;
const PARSE_CAP = 16 * 1024 * 1024;

export interface PrepareOptions {
  cfg: DocketConfig;
  task: TaskInfo;
  store: SqliteStore;
  runId: string;
  dryRun: boolean;
  force: boolean;
  overrides: Record<string, unknown>;
  async: boolean;
  /** `run --audit`: record the child's permission checks and report drift in details.audit. */
  audit?: boolean;
}

export interface Prepared extends PrepareOptions {
  /** Effective section: config + overrides. */
  section: Record<string, unknown>;
  logPath: string;
  startedMs: number;
}

/** Validates and records a new run (status running) holding the task's lock. */
export async function prepareRun(o: PrepareOptions): Promise<Prepared> {
  const { task } = o;
  if (task.loadError) {
    throw new DocketError(task.loadError.kind, task.loadError.message, {
      hint: "Fix the task module; `docket doctor` lists tasks that fail to load",
    });
  }
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
  if (task.source !== "command") {
    assertSchema(task.name, task.schema, applySchemaDefaults(task.schema, taskOwnConfig(section)));
    assertNoEscapingLinks(task.name, task.grants);
  }
  try {
    Deno.mkdirSync(o.cfg.logs_dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new DocketError(
      "io_error",
      `Cannot create logs_dir "${o.cfg.logs_dir}": ${(err as Error).message}`,
      { hint: "Fix logs_dir in the config or its permissions (`docket doctor` checks it)" },
    );
  }
  const logPath = join(o.cfg.logs_dir, `${o.runId}.log`);
  const me = selfIdentity();
  if (!o.dryRun && !o.force) {
    const got = o.store.acquire({
      task_name: task.name,
      run_id: o.runId,
      pid: me.pid,
      pid_start: me.start,
      acquired_at: nowIso(),
    }, (h) => isAlive(h.pid, h.pid_start));
    if (!got.ok) {
      throw new DocketError(
        "lock_held",
        `Cannot run task "${task.name}": run ${got.holder.run_id} (pid ${got.holder.pid}) is still running`,
        {
          hint: `Wait for it (docket wait ${got.holder.run_id}), cancel it, or pass --force`,
          details: {
            task: task.name,
            holder_run_id: got.holder.run_id,
            holder_pid: got.holder.pid,
          },
        },
      );
    }
  }
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
    task_pid: null,
    task_start: null,
    cancel_requested_at: null,
    log_path: logPath,
    overrides: o.overrides,
    hooks: [],
  });
  return { ...o, section, logPath, startedMs };
}

/** Rebuilds a prepared run from its recorded row (the async runner's side). */
export function resumePrepared(
  o: Omit<PrepareOptions, "runId" | "dryRun" | "force" | "overrides" | "async">,
  row: RunRow,
): Prepared {
  return {
    ...o,
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
}

interface AttemptOutcome {
  status: RunStatus;
  summary: string;
  details: Record<string, unknown>;
  error: ErrorJson | null;
  retryable: boolean;
}

function num(v: unknown): number | null {
  return typeof v === "number" && v > 0 ? v : null;
}

/** Runs the attempts, records the result, fires hooks; returns the final row. */
export async function performRun(p: Prepared, po: PerformOptions): Promise<RunRow> {
  const started = p.startedMs;
  // A log that cannot be written (full disk, removed dir) must not kill the run: the result
  // still goes to SQLite, and its details say where the log stops and why.
  let log: Deno.FsFile | undefined;
  let logError: string | undefined;
  let logged = 0;
  try {
    log = Deno.openSync(p.logPath, { create: true, append: true, mode: 0o600 });
  } catch (err) {
    logError = (err as Error).message;
  }
  const secrets = taskSecrets(p);
  const masker = new StreamMasker(secrets);
  const emit = (b: Uint8Array) => {
    if (!b.length) return;
    if (log && logError === undefined) {
      try {
        for (let off = 0; off < b.length;) {
          const n = log.writeSync(b.subarray(off));
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
  const retry = p.dryRun ? 0 : Number(p.section.retry ?? 0);
  const base = Number(p.section.backoff_base ?? 2);
  const cap = num(p.section.backoff_max);
  let outcome: AttemptOutcome | undefined;
  let attempt = 0;
  try {
    for (attempt = 1; attempt <= retry + 1; attempt++) {
      p.store.setRunner(p.runId, { attempts: attempt });
      if (attempt > 1) {
        writeLog(new TextEncoder().encode(`\n[docket] attempt ${attempt} of ${retry + 1}\n`));
      }
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
      sink.push({
        timestamp: nowIso(),
        event_type: "docket.retry",
        event: { type: "docket.retry", attempt, next_attempt: attempt + 1, wait_ms: wait },
      });
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
  // ...nor the stored result, which hooks and notifications read.
  const o = maskDeep(outcome!, secrets);
  if (logError !== undefined) {
    o.details = { ...o.details, log_error: logError, log_bytes_written: logged };
  }
  if (audit && auditor) {
    const modulePath = p.task.module!.startsWith("file:")
      ? fromFileUrl(p.task.module!)
      : p.task.module!;
    const imports = await audit.importGraph(modulePath);
    o.details = {
      ...o.details,
      audit: auditor.report({ grants: p.task.grants, modulePath, imports }),
    };
  }
  const status = o.status;
  const exitCode = exitCodeForStatus(status);
  p.store.finishRun(p.runId, {
    status,
    exit_code: exitCode,
    summary: o.summary,
    details: o.details,
    error: o.error,
    finished_at: nowIso(),
    duration_ms: Date.now() - started,
    attempts: Math.min(attempt, retry + 1),
  });
  const row = p.store.getRun(p.runId)!;
  const { fireHooks } = await lazy<typeof import("./finalize.ts")>(
    "./finalize.ts",
    import.meta.url,
  );
  await fireHooks(p, row);
  return p.store.getRun(p.runId)!;
}

/** Values of the task's declared variables (required_env), masked as `***` in what it records. */
export function taskSecrets(p: Prepared): string[] {
  return (p.task.grants.required_env ?? []).map((k) => Deno.env.get(k) ?? "")
    .filter((v) => v.length >= 4);
}

function cancelledOutcome(): AttemptOutcome {
  return {
    status: "cancelled",
    summary: "Run was cancelled",
    details: {},
    error: { kind: "cancelled", message: "Run was cancelled" },
    retryable: false,
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

function limits(section: Record<string, unknown>) {
  const t = num(section.timeout_seconds);
  const i = num(section.idle_timeout_seconds);
  const g = section.kill_grace_seconds;
  return {
    timeoutMs: t ? t * 1000 : null,
    idleMs: i ? i * 1000 : null,
    graceMs: typeof g === "number" ? g * 1000 : 5000,
  };
}

function killedOutcome(why: string, section: Record<string, unknown>): AttemptOutcome {
  if (why === "cancelled") return cancelledOutcome();
  const secs = section[why];
  const message = why === "timeout_seconds"
    ? `Task ran longer than timeout_seconds (${secs} s) and was stopped`
    : `Task printed nothing for idle_timeout_seconds (${secs} s) and was stopped`;
  return {
    status: "timeout",
    summary: message,
    details: { timeout: why, limit_seconds: secs },
    error: {
      kind: "timeout",
      message,
      hint: `Raise ${why} in the task's config if the task needs longer`,
      details: { limit: why, seconds: secs },
    },
    retryable: true,
  };
}

function tailKeeper(limit: number) {
  let chunks: Uint8Array[] = [];
  let size = 0;
  let total = 0;
  return {
    push(b: Uint8Array) {
      chunks.push(b.slice());
      size += b.length;
      total += b.length;
      while (size - (chunks[0]?.length ?? 0) >= limit && chunks.length > 1) {
        size -= chunks.shift()!.length;
      }
    },
    text(): string {
      const all = new Uint8Array(size);
      let off = 0;
      for (const c of chunks) {
        all.set(c, off);
        off += c.length;
      }
      const s = new TextDecoder().decode(
        all.length > limit ? all.subarray(all.length - limit) : all,
      );
      return s;
    },
    get total() {
      return total;
    },
    reset() {
      chunks = [];
      size = 0;
      total = 0;
    },
  };
}

async function attemptDeno(
  p: Prepared,
  po: PerformOptions,
  attempt: number,
  writeLog: (b: Uint8Array) => void,
  sink: EventSink,
  auditor?: Auditor,
): Promise<AttemptOutcome> {
  const scratch = Deno.makeTempDirSync({ prefix: `docket-${p.runId}-` });
  const modulePath = p.task.module!.startsWith("file:")
    ? fromFileUrl(p.task.module!)
    : p.task.module!;
  const spec = deriveSandbox({ grants: p.task.grants, modulePath, scratchDir: scratch });
  const nonce = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  const context = {
    DOCKET_RUN_ID: p.runId,
    DOCKET_TASK_NAME: p.task.name,
    DOCKET_DRY_RUN: p.dryRun ? "1" : "0",
    DOCKET_SCRATCH_DIR: scratch,
    DOCKET_ATTEMPT: String(attempt),
  };
  const env = childEnv({
    source: Deno.env.toObject(),
    required: p.task.grants.required_env ?? [],
    context,
    extra: { TMPDIR: scratch },
  });
  // Outside the scratch dir, so the task cannot rewrite its own audit (cleared env: pass it).
  const auditFile = join(p.cfg.logs_dir, `${p.runId}.${attempt}.audit.jsonl`);
  if (auditor) env.DENO_AUDIT_PERMISSIONS = auditFile;
  const stdin = new TextEncoder().encode(JSON.stringify({
    module: toFileUrl(modulePath).href,
    config: applySchemaDefaults(p.task.schema, taskOwnConfig(p.section)),
    dryRun: p.dryRun,
    runId: p.runId,
    taskName: p.task.name,
    attempt,
    scratchDir: scratch,
    nonce,
    graceMs: limits(p.section).graceMs,
  }));
  const stderr = tailKeeper(8192);
  let out: ChildOutcome;
  try {
    out = await runChild({
      cmd: Deno.execPath(),
      args: ["run", ...spec.deno_flags, "--no-config", "--no-lock", HARNESS.href],
      env,
      cwd: scratch,
      stdin,
    }, {
      ...limits(p.section),
      log: writeLog,
      nonce,
      signal: po.signal,
      onStart: (pid) => recordTask(p, pid),
      onStderr: (b) => stderr.push(b),
      onFrame: (kind, json) => {
        if (kind !== "E") return;
        try {
          const e = JSON.parse(json) as {
            type: string;
            ts: string;
            data?: Record<string, unknown>;
          };
          sink.push({
            timestamp: e.ts,
            event_type: e.type,
            event: { type: e.type, ...(e.data ?? {}) },
          });
          po.onEvent?.(e.type);
        } catch {
          // a torn frame is dropped, the log keeps the bytes
        }
      },
    });
  } finally {
    try {
      Deno.removeSync(scratch, { recursive: true });
    } catch {
      // already gone
    }
    await auditor?.collect(auditFile, scratch);
  }
  if (out.killedBy) return noted(out, killedOutcome(out.killedBy, p.section));
  if (out.spawnError) {
    return {
      status: "failed",
      summary: `Cannot start the task's sandbox: ${out.spawnError}`,
      details: {},
      error: { kind: "internal", message: out.spawnError },
      retryable: false,
    };
  }
  return noted(out, fromResult(out, p, stderr.text()));
}

function fromResult(out: ChildOutcome, p: Prepared, stderrTail: string): AttemptOutcome {
  const r: ResultFrame | undefined = out.result;
  if (out.resultTooLarge) {
    // Not retried: the same code returns the same oversized result.
    const o = failed(`Task result is larger than ${MAX_RESULT_FRAME >> 20} MiB`, "task_failed", {});
    o.error!.hint = "Keep details small; write bulky output to a declared path instead";
    return { ...o, retryable: false };
  }
  if (!r) {
    const denial = classifyDenial(stderrTail);
    if (denial) return denied(denial.permission, denial.target, lastLine(stderrTail));
    if (out.signal === "SIGKILL" || out.code === 137) {
      return failed(
        `Task process was killed (out of memory or SIGKILL) without a result`,
        "task_failed",
        { exit_code: out.code, signal: out.signal },
      );
    }
    return failed(
      `Task exited with code ${out.code} without a result: ${lastLine(stderrTail) || "no output"}`,
      "task_failed",
      { exit_code: out.code, signal: out.signal },
    );
  }
  if (r.error) {
    if (r.error.kind === "permission_denied") {
      return denied(r.error.permission ?? "unknown", r.error.target, r.error.message);
    }
    const kind = r.error.kind === "schema_invalid"
      ? "schema_invalid"
      : r.error.kind === "task_load_failed"
      ? "task_load_failed"
      : "task_failed";
    const o = failed(r.summary, kind, r.details ?? {});
    if (r.error.issues) o.error!.details = { issues: r.error.issues };
    o.retryable = kind === "task_failed";
    return o;
  }
  if (r.ok) {
    return {
      status: p.dryRun ? "dry_run" : "succeeded",
      summary: r.summary,
      details: r.details ?? {},
      error: null,
      retryable: false,
    };
  }
  return failed(r.summary || "Task reported failure", "task_failed", r.details ?? {});
}

/** What runChild had to cut short, for the run's details. */
function childNotes(out: ChildOutcome): Record<string, unknown> {
  const notes: Record<string, unknown> = {};
  if (out.outputCut) notes.output_truncated = "a background process kept the output open";
  if (out.eventsDropped) notes.events_dropped = out.eventsDropped;
  return notes;
}

function noted(out: ChildOutcome, o: AttemptOutcome): AttemptOutcome {
  return { ...o, details: { ...o.details, ...childNotes(out) } };
}

function lastLine(s: string): string {
  return s.trim().split("\n").filter((l) => l.trim()).pop()?.replace(/^error: /, "") ?? "";
}

function denied(permission: string, target: string | undefined, message: string): AttemptOutcome {
  const what = target ? `${permission} access to "${target}"` : `${permission} access`;
  return {
    status: "failed",
    summary: `Permission denied: the task needs ${what}, which it did not declare`,
    details: { permission, ...(target !== undefined ? { target } : {}) },
    error: {
      kind: "permission_denied",
      message: `Task was denied ${what}: ${
        message.replace(/, run again with the --allow-\w+ flag/, "")
      }`,
      hint: permission === "net"
        ? "Declare network: true (or network: [host:port]) if the task needs it"
        : permission === "env"
        ? "Declare the variable in required_env"
        : permission === "write"
        ? "Declare destructive: true with writes: [paths] if the task must write there"
        : permission === "read"
        ? "Declare the path in reads"
        : permission === "run"
        ? "Declare the program in exec"
        : permission === "sys"
        ? "Declare the API in sys"
        : permission === "import"
        ? "Fetching modules is network access: cache them first (deno cache), or declare network: true"
        : "Declare the permission the task needs",
      details: { permission, ...(target !== undefined ? { target } : {}) },
    },
    retryable: false,
  };
}

function failed(
  summary: string,
  kind: ErrorJson["kind"],
  details: Record<string, unknown>,
): AttemptOutcome {
  return {
    status: "failed",
    summary,
    details,
    error: { kind, message: summary },
    retryable: kind === "task_failed",
  };
}

async function attemptCommand(
  p: Prepared,
  po: PerformOptions,
  attempt: number,
  writeLog: (b: Uint8Array) => void,
  sink: EventSink,
): Promise<AttemptOutcome> {
  const argv = commandArgv(p.section, p.dryRun);
  if (!argv) {
    return {
      status: "dry_run",
      summary: `Would run: ${commandArgv(p.section, false)!.join(" ")} (no dry_run_args or ` +
        `dry_run_command: nothing was executed)`,
      details: { preview: true, argv: commandArgv(p.section, false) },
      error: null,
      retryable: false,
    };
  }
  const format = (p.section.output_format as Format | undefined) ?? "text";
  const extra: Record<string, string> = {};
  for (const [k, v] of Object.entries((p.section.env as Record<string, unknown>) ?? {})) {
    extra[k] = String(v);
  }
  const env = childEnv({
    source: Deno.env.toObject(),
    required: p.task.grants.required_env ?? [],
    context: {
      DOCKET_RUN_ID: p.runId,
      DOCKET_TASK_NAME: p.task.name,
      DOCKET_DRY_RUN: p.dryRun ? "1" : "0",
      DOCKET_ATTEMPT: String(attempt),
    },
    extra,
  });
  const stdoutTail = tailKeeper(TAIL);
  const stderrTail = tailKeeper(TAIL);
  const full: Uint8Array[] = [];
  let fullSize = 0;
  let truncated = false;
  const dec = new TextDecoder();
  let badLine: string | undefined;
  const streamJsonl = format === "jsonl";
  const lines = new LineSplitter(PARSE_CAP, ingestLine, () => {
    badLine ??= `a line longer than ${PARSE_CAP} bytes`;
  });
  const cwd = p.section.cwd ? String(p.section.cwd) : undefined;
  const out = await runChild({ cmd: argv[0]!, args: argv.slice(1), env, ...(cwd ? { cwd } : {}) }, {
    ...limits(p.section),
    log: writeLog,
    signal: po.signal,
    onStart: (pid) => recordTask(p, pid),
    onStderr: (b) => stderrTail.push(b),
    onStdout: (b) => {
      stdoutTail.push(b);
      if (!streamJsonl) {
        if (format === "text") return; // nothing to parse: the tail is enough
        if (fullSize + b.length <= PARSE_CAP) {
          full.push(b.slice());
          fullSize += b.length;
        } else truncated = true;
        return;
      }
      lines.push(b);
    },
  });
  function ingestLine(line: string) {
    try {
      const ev = parseJsonlLine(line);
      if (!ev) return;
      const type = eventTypeOf(ev);
      const ts = typeof ev.timestamp === "string" ? ev.timestamp : nowIso();
      sink.push({ timestamp: ts, event_type: type, event: ev });
      po.onEvent?.(type);
    } catch {
      badLine ??= line.slice(0, 200);
    }
  }
  if (streamJsonl) lines.end();
  if (out.killedBy) return noted(out, killedOutcome(out.killedBy, p.section));
  if (out.spawnError) {
    return {
      status: "failed",
      summary: `Cannot start command "${argv[0]}": ${out.spawnError}`,
      details: { argv },
      error: {
        kind: "task_failed",
        message: `Cannot start command "${argv[0]}": ${out.spawnError}`,
        hint: "Check that the command exists on PATH (docket doctor checks it)",
      },
      retryable: false,
    };
  }
  const okCodes = (p.section.success_exit_codes as number[] | undefined) ?? [0];
  const code = out.code ?? -1;
  const details: Record<string, unknown> = {
    argv,
    exit_code: out.code,
    stdout: stdoutTail.text(),
    stderr: stderrTail.text(),
  };
  if (stdoutTail.total > TAIL) details.stdout_truncated = true;
  if (stderrTail.total > TAIL) details.stderr_truncated = true;
  Object.assign(details, childNotes(out));
  let parseError: string | undefined;
  if (streamJsonl) {
    Object.assign(details, eventDetails(sink.recent, sink.count));
    if (badLine !== undefined) parseError = `stdout line is not a JSON object: ${badLine}`;
  } else {
    const all = new Uint8Array(fullSize);
    let off = 0;
    for (const c of full) {
      all.set(c, off);
      off += c.length;
    }
    const parsed = parseFinalOutput(format, dec.decode(all), truncated);
    Object.assign(details, parsed.details);
    parseError = parsed.error;
    if (parsed.details.format === "jsonl" && Array.isArray(parsed.details.events)) {
      for (const ev of parsed.details.events as Record<string, unknown>[]) {
        sink.push({ timestamp: nowIso(), event_type: eventTypeOf(ev), event: ev });
      }
    }
  }
  const success = okCodes.includes(code);
  if (success && !parseError) {
    const lastOut = lastLine(stdoutTail.text());
    return {
      status: p.dryRun ? "dry_run" : "succeeded",
      summary: `${argv[0]} exited ${code}${
        lastOut && format === "text" ? `: ${lastOut.slice(0, 200)}` : ""
      }`,
      details,
      error: null,
      retryable: false,
    };
  }
  const why = !success
    ? `${argv[0]} exited with code ${code}${
      lastLine(stderrTail.text()) ? `: ${lastLine(stderrTail.text()).slice(0, 200)}` : ""
    }`
    : parseError!;
  return { ...failed(why, "task_failed", details), retryable: !success };
}

/** Exported for the runner: the identity of a process, for lock transfer. */
export function identity(pid: number): { pid: number; start: string } {
  return { pid, start: processStart(pid)?.start ?? "" };
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

/** Records the task process (pid + start time) so lost-run cleanup can tell it from a reuse. */
function recordTask(p: Prepared, pid: number): void {
  p.store.setRunner(p.runId, { task_pid: pid, task_start: processStart(pid)?.start ?? null });
}
