/** `docket describe <task>`: description, resolved config, schema and the derived sandbox. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { findTask } from "../registry/registry.ts";
import { type taskJson, taskJsonFor } from "./common.ts";
import { paint } from "../render/ui.ts";
import { esc } from "../render/escape.ts";
import { schemaTable, tree } from "../render/blocks.ts";
import { renderSystemdView, type SystemdView, systemdView } from "../systemd/describe_view.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const t = await findTask(cfg, input.args[0]!);
  const dryRun = input.opts["dry-run"] === true;
  // `systemd`: the hardening `docket install` would write for this task (same derivation).
  const systemd = systemdView(t, cfg, Deno.env);
  return { exitCode: 0, data: { ok: true, task: taskJsonFor(t, cfg, { dryRun }), systemd } };
}

export function render(data: unknown, ui: Ui): string {
  const d = data as { task: ReturnType<typeof taskJson>; systemd?: SystemdView };
  const t = d.task;
  const head = (k: string) => paint(ui, "bold", k + ":");
  const kv = (k: string, v: string) => `${paint(ui, "bold", (k + ":").padEnd(14))} ${v}`;
  const flag = (v: unknown) =>
    Array.isArray(v) ? v.map((x) => esc(String(x))).join(", ") : esc(String(v));
  const lines = [
    paint(ui, "bold", esc(t.name)) + (t.description ? ` — ${esc(t.description)}` : ""),
    "",
    kv("source", esc(t.source)),
    kv("schedule", esc(t.schedule ?? "-")),
    kv("network", flag(t.network)),
    kv("destructive", flag(t.destructive)),
    kv("required_env", esc(t.required_env.join(", ")) || "-"),
    ...(t.missing_env.length
      ? [kv("missing env", `${esc(t.missing_env.join(", "))} (not set)`)]
      : []),
    kv("dry run", t.has_dry_run ? "task-defined" : "preview only (nothing executed)"),
    "",
    head("Config"),
    ...tree(t.config),
    "",
    head("Schema"),
    ...schemaTable(t.schema),
  ];
  if (Object.keys(t.inputs ?? {}).length) lines.push("", head("Inputs"), ...tree(t.inputs));
  if (Object.keys(t.outputs ?? {}).length) lines.push("", head("Outputs"), ...tree(t.outputs));
  lines.push(
    "",
    paint(ui, "bold", "Sandbox"),
    kv("deno flags", esc(t.deno_flags.join(" ")) || "(not a Deno task)"),
    kv("os sandbox", esc(t.sandbox.layer ?? `not used: ${t.sandbox.reason ?? "unknown"}`)),
    kv("child argv", esc(t.child_argv.join(" "))),
    head("enforced by"),
    ...tree(t.permissions.enforced_by),
    ...t.permissions.notes.map((n) => `  note: ${esc(n)}`),
  );
  for (const w of t.config_warnings) lines.push(paint(ui, "yellow", `warning: ${esc(w)}`));
  if (d.systemd) lines.push(...renderSystemdView(d.systemd));
  if (t.load_error) lines.push("", paint(ui, "red", `load error: ${esc(t.load_error.message)}`));
  return lines.join("\n");
}
