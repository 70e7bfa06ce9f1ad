/** `docket run <task>`: foreground (waits) or --async (returns a receipt at once). */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { findTask, type TaskInfo } from "../registry/registry.ts";
import { DocketError } from "../core/errors.ts";
import { newRunId } from "../core/ids.ts";
import { lazy } from "../core/lazy.ts";
import { exitCodeForStatus } from "../core/statuses.ts";
import { maskChildArgv, openReconciled, runJson, sandboxOf } from "./common.ts";
import { parseSetArgs } from "../runs/overrides.ts";
import { performRun, prepareRun } from "../runs/execute.ts";
import { configSha256 as configSha256Now } from "../runs/admission.ts";
import { duration, paint, statusText } from "../render/ui.ts";
import { esc } from "../render/escape.ts";
import { auditLines } from "../render/audit.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  // Before the config is loaded: an edit after this point is a change the runner refuses.
  const configSha256 = await configSha256Now();
  const cfg = await input.config();
  const overrides = parseSetArgs((input.opts.set as string[] | undefined) ?? []);
  const task = await findTask(cfg, input.args[0]!);
  const dryRun = input.opts["dry-run"] === true;
  const force = input.opts.force === true;
  const audit = input.opts.audit === true;
  const deniedExit = deniedExitCode(input.opts["denied-exit-code"]);
  const slot = await slotOf(input.opts.slot, task, dryRun || force);
  if (deniedExit !== undefined && input.opts.async === true) {
    throw new DocketError("usage", "Cannot use --denied-exit-code with --async", {
      hint: "The receipt exits 0; `docket wait` gives the run's exit code",
    });
  }
  if (audit && task.source === "command") {
    throw new DocketError(
      "not_supported",
      `Cannot audit task "${task.name}": a type: command task is not Deno code, so Deno's ` +
        "permission audit cannot see what it touches",
      { hint: "Run it without --audit" },
    );
  }
  if (input.opts.async === true) {
    const { startAsync } = await lazy<typeof import("../runs/async.ts")>(
      "../runs/async.ts",
      import.meta.url,
    );
    const receipt = await startAsync({
      cfg,
      task,
      dryRun,
      force,
      overrides,
      audit,
      configSha256,
      ...(slot ? { slot } : {}),
    });
    return { exitCode: 0, data: receipt };
  }
  const store = openReconciled(cfg);
  let interrupts: ReturnType<typeof onInterrupt> | undefined;
  try {
    const prepared = await prepareRun({
      cfg,
      task,
      store,
      runId: newRunId(),
      dryRun,
      force,
      overrides,
      async: false,
      audit,
      configSha256,
      ...(slot ? { slot } : {}),
    });
    if (input.ui.verbose > 0) {
      const sb = sandboxOf(task, cfg, { dryRun });
      const how = esc(maskChildArgv([sb.cmd, ...sb.args], task.config).join(" "));
      Deno.stderr.writeSync(
        new TextEncoder().encode(`[docket] run ${prepared.runId} of ${task.name}: ${how}\n`),
      );
    }
    const live = input.ui.json ? undefined : await liveLine(input.ui, task.name);
    interrupts = onInterrupt(task.name, Number(prepared.section.kill_grace_seconds ?? 5));
    const row = await performRun(prepared, {
      signal: input.signal,
      killNow: interrupts.killNow,
      ...(input.ui.verbose > 0
        ? { onOutput: (b: Uint8Array) => Deno.stderr.writeSync(b) }
        : live
        ? { onOutput: live.output }
        : {}),
      ...(live ? { onEvent: live.event } : {}),
    });
    live?.stop();
    const denied = deniedExit !== undefined && row.error?.kind === "permission_denied";
    return { exitCode: denied ? deniedExit : exitCodeForStatus(row.status), data: runJson(row) };
  } finally {
    interrupts?.dispose();
    store.close();
  }
}

/**
 * The schedule slot of this start: `--slot`, or inferred (the newest past slot) when systemd
 * started it from the task's own unit (docket-<task>.service in /proc/self/cgroup).
 */
async function slotOf(raw: unknown, task: TaskInfo, manual: boolean) {
  const { resolveSlot, startedByUnit } = await lazy<typeof import("../schedule/record.ts")>(
    "../schedule/record.ts",
    import.meta.url,
  );
  if (typeof raw === "string") {
    if (manual) {
      throw new DocketError("usage", "Cannot use --slot with --dry-run or --force", {
        hint: "A slot's start follows the task's overlap policy; drop --dry-run/--force",
      });
    }
    return { at: resolveSlot(task.name, task.config, raw), engine: "cli" };
  }
  if (manual || typeof task.config.schedule !== "string" || !startedByUnit(task.name)) {
    return undefined;
  }
  return { at: resolveSlot(task.name, task.config, "auto"), engine: "systemd" };
}

/**
 * `--denied-exit-code N`: an opt-in exit code for permission denials, so a Kubernetes Job's
 * podFailurePolicy can refuse to retry them. Without it the README's 0/1/2 hold unchanged.
 */
function deniedExitCode(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n < 3 || n > 125) {
    throw new DocketError("usage", `Cannot use --denied-exit-code "${String(v)}": expected 3-125`, {
      hint: "0, 1 and 2 already mean success, failure and dry run; 126+ are the shell's",
    });
  }
  return n;
}

/**
 * Ctrl-C in a foreground run: the first says at once on stderr that the task is being stopped
 * (the CLI's signal handler cancels the run: SIGTERM, SIGKILL after the grace); the second
 * kills the task's process group immediately.
 */
function onInterrupt(task: string, graceSeconds: number) {
  const killNow = new AbortController();
  const enc = new TextEncoder();
  const say = (s: string) => {
    try {
      Deno.stderr.writeSync(enc.encode(`${Deno.stderr.isTerminal() ? "\r\x1b[2K" : ""}${s}\n`));
    } catch {
      // stderr closed
    }
  };
  let count = 0;
  const handler = () => {
    count++;
    if (count === 1) {
      say(
        `[docket] stopping ${esc(task)}: SIGTERM now, SIGKILL after ${graceSeconds} s ` +
          "(press Ctrl-C again to kill it now)",
      );
    } else if (!killNow.signal.aborted) {
      say(`[docket] killing ${esc(task)} now`);
      killNow.abort();
    }
  };
  try {
    Deno.addSignalListener("SIGINT", handler);
  } catch {
    // no signals here
  }
  return {
    killNow: killNow.signal,
    dispose: () => {
      try {
        Deno.removeSignalListener("SIGINT", handler);
      } catch {
        // never added
      }
    },
  };
}

/** Why a hook or notification failed, in one line (its own message, else its exit). */
function hookReason(h: { [k: string]: unknown }): string {
  if (typeof h.error === "string" && h.error) return h.error;
  if (h.timed_out === true) return "timed out";
  if (typeof h.http_status === "number") return `HTTP ${h.http_status}`;
  if (typeof h.exit_code === "number") return `exit code ${h.exit_code}`;
  return "";
}

async function liveLine(ui: Ui, task: string) {
  if (!ui.tty || !Deno.stderr.isTerminal() || ui.verbose > 0) return undefined;
  const { LiveLine } = await lazy<typeof import("../render/live.ts")>(
    "../render/live.ts",
    import.meta.url,
  );
  const l = new LiveLine(`running ${task}`);
  return {
    output: (b: Uint8Array) => l.output(b),
    event: (t: string) => l.note(`event ${t}`),
    stop: () => l.stop(),
  };
}

export function render(data: unknown, ui: Ui): string {
  const r = data as ReturnType<typeof runJson> & { run_id: string; status: string };
  if ((data as { status?: string }).status === "running" && "wait_command" in (data as object)) {
    const d = data as Record<string, string>;
    return [
      `${paint(ui, "blue", "started")} ${esc(d.task)} in the background`,
      `  run id:  ${esc(d.run_id)}`,
      `  log:     ${esc(d.log_path)}`,
      `  wait:    ${esc(String(d.wait_command).replace("--json ", ""))}`,
      `  follow:  ${esc(d.logs_command)} --follow`,
    ].join("\n");
  }
  const lines = [
    `${statusText(ui, r.status)} ${esc(r.task)} in ${duration(r.duration_ms)} — ${esc(r.summary)}`,
    `  run id:  ${esc(r.run_id)}${r.attempts > 1 ? `  (attempts: ${r.attempts})` : ""}`,
  ];
  if (r.error) {
    lines.push(`  error:   ${esc(r.error.kind)}: ${esc(r.error.message)}`);
    if (r.error.hint) lines.push(`  hint:    ${esc(r.error.hint)}`);
    const stack = (r.error.details as { stack?: unknown } | undefined)?.stack;
    if (typeof stack === "string" && stack) {
      const frames = stack.split("\n").filter((l) => /^\s+at /.test(l)).slice(0, 12);
      lines.push(...frames.map((l) => `    ${esc(l.trim())}`));
    }
  }
  if (r.log_path) lines.push(`  log:     ${esc(r.log_path)}`);
  for (const h of r.hooks) {
    const why = h.ok ? "" : hookReason(h);
    lines.push(
      `  hook:    ${esc(h.name)} ${h.ok ? "ok" : paint(ui, "red", "failed")}${
        why ? ` — ${esc(why)}` : ""
      }`,
    );
  }
  const audit = (r.details as { audit?: unknown } | null)?.audit;
  if (audit && typeof audit === "object") lines.push(...auditLines(audit));
  return lines.join("\n");
}
