/**
 * Flags a figure that got worse than the committed bench/results.json: its × B (median of
 * per-round ratios, so load that drifts cancels) above the committed one by more than
 * REGRESSION_X_B. The committed ratios are recomputed from its raw samples by case key, so a
 * renamed row still compares; a figure the committed file lacks is not compared.
 */
import type { LatencyRow } from "./report.ts";
import { median, round } from "./measure.ts";

export const REGRESSION_X_B = 0.15;

interface Committed {
  baselines?: { B?: { samples_ms?: number[] } };
  samples_ms?: Record<string, number[]>;
  sample_rounds?: Record<string, number[]>;
}

/** × B per case key of a results.json document; {} when it is missing or unreadable. */
export function committedRatios(path: string): Record<string, number> {
  let doc: Committed;
  try {
    doc = JSON.parse(Deno.readTextFileSync(path));
  } catch {
    return {};
  }
  const b = doc.baselines?.B?.samples_ms;
  if (!Array.isArray(b) || b.length === 0) return {};
  const out: Record<string, number> = {};
  for (const [key, xs] of Object.entries(doc.samples_ms ?? {})) {
    if (key === "B" || key === "P" || !Array.isArray(xs) || xs.length === 0) continue;
    const at = doc.sample_rounds?.[key];
    out[key] = round(median(xs.map((x, i) => x / (b[at?.[i] ?? i] ?? median(b)))), 2);
  }
  return out;
}

/** Sets committed_x_b and regressed on each row; returns the regressed ones. */
export function flagRegressions(
  rows: LatencyRow[],
  committed: Record<string, number>,
): LatencyRow[] {
  const worse: LatencyRow[] = [];
  for (const r of rows) {
    const was = committed[r.key];
    if (was === undefined) continue;
    r.committed_x_b = was;
    r.regressed = r.x_b !== null && r.x_b - was > REGRESSION_X_B;
    if (r.regressed) worse.push(r);
  }
  return worse;
}
