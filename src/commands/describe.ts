/** `docket describe <task>`: description, resolved config, schema and the derived sandbox. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { findTask } from "../registry/registry.ts";
import { taskJson } from "./common.ts";
import { paint } from "../render/ui.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const t = await findTask(cfg, input.args[0]!);
  return { exitCode: 0, data: { ok: true, task: taskJson(t, cfg) } };
}

export function render(data: unknown, ui: Ui): string {
  const t = (data as { task: ReturnType<typeof taskJson> }).task;
  const kv = (k: string, v: unknown) =>
    `${paint(ui, "bold", (k + ":").padEnd(14))} ${typeof v === "string" ? v : JSON.stringify(v)}`;
  const lines = [
    paint(ui, "bold", t.name) + (t.description ? ` — ${t.description}` : ""),
    "",
    kv("source", t.source),
    kv("schedule", t.schedule ?? "-"),
    kv("network", t.network),
    kv("destructive", t.destructive),
    kv("required_env", t.required_env.join(", ") || "-"),
    kv("dry run", t.has_dry_run ? "task-defined" : "preview only (nothing executed)"),
    kv("inputs", t.inputs),
    kv("outputs", t.outputs),
    kv("config", t.config),
    "",
    paint(ui, "bold", "Sandbox"),
    kv("deno flags", t.deno_flags.join(" ") || "(not a Deno task)"),
    kv("os sandbox", t.sandbox.layer ?? `not used: ${t.sandbox.reason ?? "unknown"}`),
    kv("child argv", t.child_argv.join(" ")),
    kv("enforced by", t.permissions.enforced_by),
    ...t.permissions.notes.map((n) => `  note: ${n}`),
  ];
  if (t.load_error) lines.push("", paint(ui, "red", `load error: ${t.load_error.message}`));
  return lines.join("\n");
}
