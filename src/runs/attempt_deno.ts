/** One attempt of a TypeScript task: its sandboxed Deno child, and reading its result. */
import { fromFileUrl, join, toFileUrl } from "../core/path.ts";
import { taskOwnConfig } from "../config/types.ts";
import type { Auditor } from "../sandbox/audit.ts";
import { sandboxDetails, taskChildSpec } from "../sandbox/child_spec.ts";
import { hostFacts, prepareDirs } from "../sandbox/host.ts";
import { openNet } from "../sandbox/net.ts";
import {
  classifyDenial,
  HARNESS_DEADLINE_EXIT,
  HARNESS_GRACE_FILE,
  MAX_RESULT_FRAME,
  type ResultFrame,
} from "../sandbox/protocol.ts";
import { type ChildOutcome, runChild } from "../sandbox/spawn.ts";
import type { EventSink } from "./events.ts";
import { readCancelGrace, writeHarnessGrace } from "./cancel_grace.ts";
import type { PerformOptions, Prepared } from "./execute.ts";
import {
  type AttemptOutcome,
  denied,
  endedAtDeadline,
  failed,
  killedOutcome,
  lastLine,
  limits,
  noted,
  recordTask,
  tailKeeper,
  taskDetails,
} from "./outcome.ts";
import { applySchemaDefaults } from "./schema_check.ts";

export async function attemptDeno(
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
  const nonce = crypto.randomUUID().replaceAll("-", "").slice(0, 16);
  // Outside the scratch dir, so the task cannot rewrite its own audit (cleared env: pass it).
  const auditFile = join(p.cfg.logs_dir, `${p.runId}.${attempt}.audit.jsonl`);
  const stdin = new TextEncoder().encode(JSON.stringify({
    module: toFileUrl(modulePath).href,
    config: applySchemaDefaults(p.task.schema, taskOwnConfig(p.section)),
    dryRun: p.dryRun,
    // What describe/capabilities/MCP reported decides: a dryRun the scan did not see is not run.
    hasDryRun: p.task.hasDryRun,
    runId: p.runId,
    taskName: p.task.name,
    attempt,
    scratchDir: scratch,
    nonce,
    graceMs: limits(p.section).graceMs,
    moduleSha256: p.admission.module === modulePath ? p.admission.module_sha256 : null,
    ...(limits(p.section).timeoutMs ? { deadlineMs: limits(p.section).timeoutMs } : {}),
  }));
  const host = hostFacts(p.cfg, p.task.name);
  const net = await openNet(p.task, host);
  const spec = taskChildSpec(p.task, {
    runId: p.runId,
    attempt,
    dryRun: p.dryRun,
    scratchDir: scratch,
    section: p.section,
    stdin,
    ...(auditor ? { docketEnv: { DENO_AUDIT_PERMISSIONS: auditFile } } : {}),
    ...(net.dir ? { netDir: net.dir } : {}),
  }, host);
  const stderr = tailKeeper(8192);
  let out: ChildOutcome;
  try {
    prepareDirs(spec);
    out = await runChild(spec, {
      ...limits(p.section),
      runId: p.runId,
      log: writeLog,
      nonce,
      signal: po.signal,
      cancelGraceMs: () => readCancelGrace(p.cfg.logs_dir, p.runId),
      // The harness ends itself just before the SIGKILL: it reads the grace from here.
      onCancel: (ms) => writeHarnessGrace(scratch, HARNESS_GRACE_FILE, ms),
      ...(po.killNow ? { killNow: po.killNow } : {}),
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
    await net.close();
    try {
      Deno.removeSync(scratch, { recursive: true });
    } catch {
      // already gone
    }
    await auditor?.collect(auditFile, scratch);
  }
  if (out.killedBy) {
    return sandboxDetails(spec, noted(out, killedOutcome(out.killedBy, p.section)), net.denied);
  }
  if (endedAtDeadline(out, spec, p.section, HARNESS_DEADLINE_EXIT)) {
    // Ended at its deadline (the harness itself, or the hard deadline's SIGKILL): this runner
    // could not stop it in time.
    return sandboxDetails(
      spec,
      noted(out, killedOutcome("timeout_seconds", p.section)),
      net.denied,
    );
  }
  if (out.spawnError) {
    return {
      status: "failed",
      summary: `Cannot start the task's sandbox: ${out.spawnError}`,
      details: {},
      error: { kind: "internal", message: out.spawnError },
      retryable: false,
    };
  }
  return sandboxDetails(spec, noted(out, fromResult(out, p, stderr.text())), net.denied);
}

export function fromResult(out: ChildOutcome, p: Prepared, stderrTail: string): AttemptOutcome {
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
      : r.error.kind === "task_changed"
      ? "task_changed"
      : "task_failed";
    const o = failed(r.summary, kind, taskDetails(r.details));
    if (r.error.issues) o.error!.details = { issues: r.error.issues };
    if (typeof r.error.stack === "string") {
      o.error!.details = { ...o.error!.details, stack: r.error.stack };
    }
    o.retryable = kind === "task_failed";
    return o;
  }
  if (r.ok) {
    return {
      status: p.dryRun ? "dry_run" : "succeeded",
      summary: r.summary,
      details: taskDetails(r.details),
      error: null,
      retryable: false,
    };
  }
  return failed(r.summary || "Task reported failure", "task_failed", taskDetails(r.details));
}
