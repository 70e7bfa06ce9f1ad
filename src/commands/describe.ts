/** `docket describe <task>`: description, resolved config, schema and the derived sandbox. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { findTask } from "../registry/registry.ts";
import { taskJson } from "./common.ts";
import { paint } from "../render/ui.ts";
import { renderSystemdView, type SystemdView, systemdView } from "../systemd/describe_view.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const t = await findTask(cfg, input.args[0]!);
  // `systemd`: the hardening `docket install` would write for this task (same derivation).
  const systemd = systemdView(t, cfg, Deno.env);
  return { exitCode: 0, data: { ok: true, task: taskJson(t), systemd } };
}

export function render(data: unknown, ui: Ui): string {
  const d = data as { task: ReturnType<typeof taskJson>; systemd?: SystemdView };
  const t = d.task;
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
    kv("enforced by", t.permissions.enforced_by),
    ...t.permissions.notes.map((n) => `  note: ${n}`),
  ];
  if (d.systemd) lines.push(...renderSystemdView(d.systemd));
  if (t.load_error) lines.push("", paint(ui, "red", `load error: ${t.load_error.message}`));
  return lines.join("\n");
}
