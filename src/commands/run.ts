/** `docket run <task>`: foreground (waits) or --async (returns a receipt at once). */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { findTask } from "../registry/registry.ts";
import { DocketError } from "../core/errors.ts";
import { newRunId } from "../core/ids.ts";
import { lazy } from "../core/lazy.ts";
import { exitCodeForStatus } from "../core/statuses.ts";
import { openStore, runJson, sandboxOf } from "./common.ts";
import { parseSetArgs } from "../runs/overrides.ts";
import { performRun, prepareRun } from "../runs/execute.ts";
import { duration, paint, statusText } from "../render/ui.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const overrides = parseSetArgs((input.opts.set as string[] | undefined) ?? []);
  const task = await findTask(cfg, input.args[0]!);
  const dryRun = input.opts["dry-run"] === true;
  const force = input.opts.force === true;
  const audit = input.opts.audit === true;
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
    const receipt = await startAsync({ cfg, task, dryRun, force, overrides, audit });
    return { exitCode: 0, data: receipt };
  }
  const store = openStore(cfg);
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
    });
    if (input.ui.verbose > 0) {
      const sb = sandboxOf(task, cfg);
      const how = [sb.cmd, ...sb.args].join(" ");
      Deno.stderr.writeSync(
        new TextEncoder().encode(`[docket] run ${prepared.runId} of ${task.name}: ${how}\n`),
      );
    }
    const live = input.ui.json ? undefined : await liveLine(input.ui, task.name);
    const row = await performRun(prepared, {
      signal: input.signal,
      ...(input.ui.verbose > 0
        ? { onOutput: (b: Uint8Array) => Deno.stderr.writeSync(b) }
        : live
        ? { onOutput: live.output }
        : {}),
      ...(live ? { onEvent: live.event } : {}),
    });
    live?.stop();
    return { exitCode: exitCodeForStatus(row.status), data: runJson(row) };
  } finally {
    store.close();
  }
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
      `${paint(ui, "blue", "started")} ${d.task} in the background`,
      `  run id:  ${d.run_id}`,
      `  log:     ${d.log_path}`,
      `  wait:    ${String(d.wait_command).replace("--json ", "")}`,
      `  follow:  ${d.logs_command} --follow`,
    ].join("\n");
  }
  const lines = [
    `${statusText(ui, r.status)} ${r.task} in ${duration(r.duration_ms)} — ${r.summary}`,
    `  run id:  ${r.run_id}${r.attempts > 1 ? `  (attempts: ${r.attempts})` : ""}`,
  ];
  if (r.error) {
    lines.push(`  error:   ${r.error.kind}: ${r.error.message}`);
    if (r.error.hint) lines.push(`  hint:    ${r.error.hint}`);
  }
  if (r.log_path) lines.push(`  log:     ${r.log_path}`);
  for (const h of r.hooks) {
    lines.push(`  hook:    ${h.name} ${h.ok ? "ok" : paint(ui, "red", "failed")}`);
  }
  return lines.join("\n");
}
