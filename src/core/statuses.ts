/** Run statuses: the one list that gives the type, the SQLite CHECK, JSON values and hook vars. */
export const RUN_STATUSES = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "dry_run",
  "cancelled",
  "timeout",
  "lost",
] as const;
export type RunStatus = typeof RUN_STATUSES[number];

export const TERMINAL_STATUSES: readonly RunStatus[] = [
  "succeeded",
  "failed",
  "dry_run",
  "cancelled",
  "timeout",
  "lost",
];

export function isTerminal(s: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(s);
}

/** Exit code for a finished run: 0 success, 2 dry run, 1 everything else (README contract). */
export function exitCodeForStatus(s: RunStatus): number {
  if (s === "succeeded") return 0;
  if (s === "dry_run") return 2;
  return 1;
}
