/** Health figures of a task from its recent runs (pure). */
import type { Sample } from "./queries.ts";

export interface TaskStats {
  /** Runs the figures are computed over (finished, not dry). */
  runs: number;
  /** Succeeded / finished, 0..1; null without finished runs. */
  success_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  /** Durations of finished runs, oldest first (the sparkline). */
  durations_ms: number[];
}

const FINISHED = new Set(["succeeded", "failed", "cancelled", "timeout", "lost"]);

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function taskStats(newestFirst: Sample[]): TaskStats {
  const done = newestFirst.filter((r) => FINISHED.has(r.status));
  const ok = done.filter((r) => r.status === "succeeded").length;
  const durations = done.map((r) => r.duration_ms).filter((d): d is number => d !== null)
    .reverse();
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    runs: done.length,
    success_rate: done.length ? ok / done.length : null,
    p50_ms: percentile(sorted, 50),
    p95_ms: percentile(sorted, 95),
    durations_ms: durations,
  };
}

/** Indexes of durations above the median by more than `pct` percent (outliers). */
export function outliers(durations: number[], pct = 20): Set<number> {
  const med = percentile([...durations].sort((a, b) => a - b), 50);
  const out = new Set<number>();
  if (med === null) return out;
  durations.forEach((d, i) => {
    if (d > med * (1 + pct / 100)) out.add(i);
  });
  return out;
}
