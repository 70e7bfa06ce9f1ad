/** `docket __runner <run_id>` (hidden): the detached process that performs an async run. */
import type { CommandInput, CommandOutput } from "../cli/types.ts";
import { DocketError, errorToJson, toDocketError } from "../core/errors.ts";
import { nowIso } from "../core/ids.ts";
import { selfIdentity } from "../core/proc.ts";
import { exitCodeForStatus } from "../core/statuses.ts";
import { findTask } from "../registry/registry.ts";
import { openStore } from "../store/open.ts";
import { performRun, resumePrepared } from "../runs/execute.ts";
import { assertOverridable } from "../runs/overrides.ts";
import { assertAdmitted, configSha256 } from "../runs/admission.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const runId = input.args[0]!;
  const configHash = await configSha256();
  const cfg = await input.config();
  const store = openStore(cfg);
  try {
    const row = store.getRun(runId);
    if (!row || (row.status !== "running" && row.status !== "queued")) {
      throw new DocketError("run_not_found", `No active run "${runId}" to perform`);
    }
    if (row.cancel_requested_at !== null || input.signal.aborted) {
      // Cancelled before the runner got going: record it, run nothing.
      store.finishRun(runId, {
        status: "cancelled",
        exit_code: 1,
        summary: "Run was cancelled before it started",
        details: {},
        error: { kind: "cancelled", message: "Run was cancelled before it started" },
        finished_at: nowIso(),
        duration_ms: Date.now() - Date.parse(row.started_at),
        attempts: 0,
      });
      return { exitCode: 1, data: undefined };
    }
    const secret = await secretOverridesFromStdin();
    const me = selfIdentity();
    store.setRunner(runId, { runner_pid: me.pid, runner_start: me.start });
    store.transfer(row.task_name, runId, me.pid, me.start);
    try {
      // Decide once: the task as it loads now must be the one admitted (config and module
      // unchanged, the same grants), and it runs with the admitted grants.
      const task = await assertAdmitted(
        row.admission,
        await findTask(cfg, row.task_name),
        configHash,
      );
      // The task may have changed since the launcher checked: the overrides are checked again.
      const overrides = { ...row.overrides, ...secret };
      assertOverridable(task, overrides);
      const done = await performRun(
        resumePrepared({ cfg, task, store, audit: input.opts.audit === true }, {
          ...row,
          admission: row.admission!,
          overrides,
        }),
        {
          signal: input.signal,
        },
      );
      return { exitCode: exitCodeForStatus(done.status), data: undefined };
    } catch (e) {
      const err = toDocketError(e);
      store.finishRun(runId, {
        status: "failed",
        exit_code: 1,
        summary: err.message,
        details: {},
        error: errorToJson(err),
        finished_at: nowIso(),
        duration_ms: Date.now() - Date.parse(row.started_at),
        attempts: row.attempts,
      });
      return { exitCode: 1, data: undefined };
    }
  } finally {
    store.close();
  }
}

/** The launcher writes the overrides it kept out of the state DB (secrets) as one JSON object. */
async function secretOverridesFromStdin(): Promise<Record<string, unknown>> {
  if (Deno.stdin.isTerminal()) return {};
  const chunks: Uint8Array[] = [];
  const buf = new Uint8Array(64 * 1024);
  let size = 0;
  for (let n; (n = await Deno.stdin.read(buf)) !== null && size < 16 << 20;) {
    chunks.push(buf.slice(0, n));
    size += n;
  }
  const dec = new TextDecoder();
  const text = chunks.map((c, i) => dec.decode(c, { stream: i < chunks.length - 1 })).join("")
    .trim();
  if (!text) return {};
  const v = JSON.parse(text);
  return v && typeof v === "object" && !Array.isArray(v) ? v as Record<string, unknown> : {};
}
