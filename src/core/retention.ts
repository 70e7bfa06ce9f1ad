/** Retention: which finished runs `docket prune` removes (with their events and logs). */

export interface RetentionLimits {
  /** Keep at most this many finished runs per task (newest first). */
  keep_runs?: number;
  /** Remove finished runs that ended more than this many days ago. */
  keep_days?: number;
}

export interface PruneCandidate {
  run_id: string;
  task_name: string;
  status: string;
  finished_at: string | null;
  log_path: string | null;
  event_count: number;
  reason: "keep_runs" | "keep_days";
}

/**
 * Runs that are never removed: running or queued ones, and each task's latest state (the run
 * `status` shows), whatever its age.
 */
export interface RetentionStore {
  /** Finished runs beyond the limits, oldest first. `cutoff` is an ISO time or null. */
  pruneCandidates(keepRuns: number | null, cutoff: string | null): PruneCandidate[];
  /** Deletes the runs and their events in one transaction, re-checking the limits inside it. */
  deleteRuns(keepRuns: number | null, cutoff: string | null): PruneCandidate[];
}

/**
 * The ISO time before which finished runs are pruned, or null for no age limit. A `keep_days`
 * reaching before the earliest time a Date can hold (about 273,790 years back: `1e9` did, and
 * `prune` failed with an internal "Invalid time value") keeps every run: no run is that old.
 */
export function cutoffFor(keepDays: number | undefined, now = Date.now()): string | null {
  if (keepDays === undefined) return null;
  const at = new Date(now - keepDays * 86_400_000);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}
