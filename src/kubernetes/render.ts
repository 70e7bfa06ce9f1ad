// Human output of `docket install --target kubernetes` (no YAML or validator imports: the
// install command loads this for every target).
import type { Ui } from "../cli/types.ts";
import { table } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

export interface KubernetesInstallData {
  ok: true;
  target: "kubernetes";
  namespace: string;
  image: string;
  /** The folder written, or "-" for stdout. */
  out: string;
  tasks: {
    task: string;
    file: string | null;
    objects: string[];
    schedule: string;
    secret: { name: string; keys: string[] };
    unexpressed_hosts: string[];
    warnings: string[];
  }[];
  warnings: string[];
  next_steps: string[];
  /** The manifests as objects, under --json with --out - (the YAML is the human output). */
  manifests?: Record<string, unknown>[];
  /** Human output with --out -: the multi-document YAML. */
  yaml?: string;
}

export function renderKubernetes(d: KubernetesInstallData, _ui: Ui): string {
  if (!d.tasks.length) return "No task has a schedule: nothing to install";
  const lines: string[] = [];
  if (d.yaml !== undefined) {
    // Warnings as YAML comments keep stdout a document kubectl can apply.
    const notes = [
      ...d.tasks.flatMap((t) => t.warnings.map((w) => `${t.task}: ${w}`)),
      ...d.warnings,
    ];
    return [...notes.map((w) => `# warning: ${esc(w)}`), d.yaml.trimEnd()].join("\n");
  }
  lines.push(
    esc(
      `Wrote Kubernetes manifests to ${d.out} (namespace ${d.namespace}, image ${d.image}):`,
    ),
  );
  lines.push(table(
    ["TASK", "SCHEDULE", "SECRET", "FILE"],
    d.tasks.map((t) =>
      [t.task, t.schedule, t.secret.keys.length ? t.secret.name : "-", t.file ?? "-"].map(esc)
    ),
  ));
  for (const t of d.tasks) {
    for (const w of t.warnings) lines.push(`warning: ${t.task}: ${esc(w)}`);
  }
  for (const w of d.warnings) lines.push(`warning: ${esc(w)}`);
  lines.push("", "Next steps:", ...d.next_steps.map((s) => `  ${esc(s)}`));
  return lines.join("\n");
}
