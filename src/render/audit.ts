/** Human lines for `run --audit`'s findings (details.audit): denials, unused grants, minimal. */
import { esc } from "./escape.ts";

interface AuditView {
  denied?: { permission: string; value: string }[];
  unused?: Record<string, unknown>;
  minimal?: Record<string, unknown>;
  truncated?: boolean;
  notes?: string[];
}

function show(v: unknown): string {
  if (Array.isArray(v)) return v.length ? v.map((x) => esc(String(x))).join(", ") : "";
  if (v === true) return "yes";
  if (v === false || v === null || v === undefined) return "";
  return esc(String(v));
}

export function auditLines(audit: object): string[] {
  const a = audit as AuditView;
  const lines = ["", "Audit:"];
  const denied = a.denied ?? [];
  if (denied.length) {
    lines.push("  denied:");
    for (const d of denied) lines.push(`    ${esc(d.permission)}  ${esc(d.value)}`);
  } else lines.push("  denied:   none");
  const unused = Object.entries(a.unused ?? {}).map(([k, v]) => [k, show(v)] as const)
    .filter(([, v]) => v);
  lines.push(`  unused:   ${unused.length ? "" : "none"}`.trimEnd());
  for (const [k, v] of unused) lines.push(`    ${esc(k)}: ${v}`);
  lines.push("  minimal declaration:");
  for (const [k, v] of Object.entries(a.minimal ?? {})) {
    lines.push(`    ${esc(k)}: ${show(v) || (Array.isArray(v) ? "[]" : "false")}`);
  }
  if (a.truncated) lines.push("  (truncated: more findings than shown; see --json)");
  for (const n of a.notes ?? []) lines.push(`  note: ${esc(n)}`);
  return lines;
}
