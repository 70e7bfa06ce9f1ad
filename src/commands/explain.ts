/** `docket explain <task> [--target local|systemd|kubernetes]`: who enforces each declaration. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { lazy } from "../core/lazy.ts";
import { findTask } from "../registry/registry.ts";
import { table } from "../render/ui.ts";
import { esc } from "../render/escape.ts";
import { localNotes, localRows } from "../explain/local.ts";
import { EXPLAIN_TARGETS, type ExplainData, type ExplainTarget } from "../explain/types.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const target = (input.opts.target ?? "local") as ExplainTarget;
  if (!EXPLAIN_TARGETS.includes(target)) {
    throw new DocketError("usage", `Cannot explain for target "${String(target)}"`, {
      hint: `Use --target ${EXPLAIN_TARGETS.join(", ")}`,
    });
  }
  if (input.opts.cilium === true && target !== "kubernetes") {
    throw new DocketError("usage", "Cannot use --cilium without --target kubernetes", {
      hint: "Add --target kubernetes",
    });
  }
  const cfg = await input.config();
  const t = await findTask(cfg, input.args[0]!);
  if (t.loadError) {
    throw new DocketError(t.loadError.kind, t.loadError.message, {
      ...(t.loadError.hint ? { hint: t.loadError.hint } : {}),
      details: { task: t.name },
    });
  }
  let rows = localRows(t, cfg);
  let notes = localNotes(t, cfg);
  if (target === "systemd") {
    const { systemdRows } = await lazy<typeof import("../explain/systemd.ts")>(
      "../explain/systemd.ts",
      import.meta.url,
    );
    rows = systemdRows(rows, t, cfg);
  } else if (target === "kubernetes") {
    const k8s = await lazy<typeof import("../kubernetes/explain.ts")>(
      "../kubernetes/explain.ts",
      import.meta.url,
    );
    const r = k8s.kubernetesRows(rows, t, cfg, { cilium: input.opts.cilium === true });
    rows = r.rows;
    notes = [...notes, ...r.notes];
  }
  const data: ExplainData = { ok: true, task: t.name, target, source: t.source, rows, notes };
  return { exitCode: 0, data };
}

/** One cell of text: control characters from task data escaped. */
function cell(v: unknown): string {
  return esc(typeof v === "string" ? v : JSON.stringify(v) ?? "-");
}

export function render(data: unknown, _ui: Ui): string {
  const d = data as ExplainData;
  const lines = [
    `${cell(d.task)} on ${d.target}:`,
    "",
    table(
      ["DECLARATION", "DECLARED", "ENFORCED BY", "HOW"],
      d.rows.map((r) => [
        r.declaration,
        cell(r.declared),
        r.enforced_by.join(" + ") || "nothing",
        r.mechanisms.map(cell).join("; ") || "-",
      ]),
    ),
  ];
  const gaps = d.rows.flatMap((r) => r.not_enforced.map((g) => `  ${r.declaration}: ${cell(g)}`));
  if (gaps.length) lines.push("", "Does not hold here:", ...gaps);
  if (d.notes.length) lines.push("", "Notes:", ...d.notes.map((n) => `  ${cell(n)}`));
  return lines.join("\n");
}
