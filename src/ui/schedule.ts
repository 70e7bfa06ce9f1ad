/**
 * When a task is next due, from its cron schedule (croner, already a dependency). The
 * occurrence ledger (overdue / missed occurrences, built separately) plugs in through
 * `setOccurrenceLedger`: until it does, `dueState` says only what the schedule says.
 */
import { Cron } from "croner";

export interface DueState {
  /** Next fire time from the schedule (ISO), null without a (valid) schedule. */
  next_due: string | null;
  /** "scheduled", "overdue" or "missed" (from the ledger), "unscheduled" without a schedule. */
  state: "scheduled" | "overdue" | "missed" | "unscheduled";
  /** Set by the ledger: the occurrence that is overdue or was missed. */
  occurrence?: string;
}

/** The occurrence ledger's answer for one task, or null when it knows nothing. */
export type OccurrenceLedger = (task: string, schedule: string, now: Date) =>
  | Pick<DueState, "state" | "occurrence">
  | null;

let ledger: OccurrenceLedger | null = null;

/** HOOK for the occurrence ledger: its overdue/missed verdict wins over "scheduled". */
export function setOccurrenceLedger(l: OccurrenceLedger | null): void {
  ledger = l;
}

export function dueState(task: string, schedule: unknown, now = new Date()): DueState {
  if (typeof schedule !== "string" || !schedule.trim()) {
    return { next_due: null, state: "unscheduled" };
  }
  let next: Date | null = null;
  try {
    next = new Cron(schedule, { paused: true }).nextRun(now);
  } catch {
    return { next_due: null, state: "unscheduled" };
  }
  const base: DueState = { next_due: next ? next.toISOString() : null, state: "scheduled" };
  const l = ledger?.(task, schedule, now);
  return l ? { ...base, ...l } : base;
}
