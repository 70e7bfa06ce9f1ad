/**
 * The occurrence ledger as read: the recorded rows merged with the slots the schedule
 * expected, so a slot nobody started is `missed` once its deadline passed (`pending` before).
 * Bounded: at most `limit` expected slots are computed, whatever the schedule's rate.
 * The UI and `status` call `occurrences` and `scheduleSummary`.
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import { lastSuccess, listSlots, originOf, type SlotRow } from "../store/occurrences.ts";
import { deadlineOf, lastFires, nextFire, type SchedulePolicy } from "./next.ts";

export type OccurrenceState = "ran" | "late" | "skipped" | "refused" | "missed" | "pending";
export interface Occurrence {
  slot: string;
  state: OccurrenceState;
  run_id: string | null;
  started_at: string | null;
  delay_ms: number | null;
  reason: string | null;
  holder_run_id?: string;
}

export const MAX_LIMIT = 1000;

/** Recorded rows, or none when the database predates the ledger (a read-only old file). */
function rows(db: DatabaseSync, task: string, since: string, limit: number): SlotRow[] {
  try {
    return listSlots(db, task, since, limit);
  } catch {
    return [];
  }
}
function origin(db: DatabaseSync, task: string): string | undefined {
  try {
    return originOf(db, task);
  } catch {
    return undefined;
  }
}

/** A task's slots in [since, now], newest first, at most `limit`. */
export function occurrences(
  db: DatabaseSync,
  task: string,
  policy: SchedulePolicy | undefined,
  o: { since?: Date; limit: number; now?: Date },
): Occurrence[] {
  const now = o.now ?? new Date();
  const limit = Math.max(1, Math.min(MAX_LIMIT, o.limit));
  const since = o.since ?? new Date(0);
  const recorded = rows(db, task, since.toISOString(), limit);
  const bySlot = new Map<string, Occurrence>();
  for (const r of recorded) bySlot.set(r.slot, fromRow(r, policy, now));
  const from = origin(db, task);
  if (policy && from !== undefined) {
    // Slots strictly after the origin instant, but the origin slot itself counts: -1 ms.
    const floor = new Date(Math.max(since.getTime(), Date.parse(from)) - 1);
    for (const t of lastFires(policy, floor, now, limit)) {
      const slot = t.toISOString();
      if (bySlot.has(slot)) continue;
      bySlot.set(slot, open(slot, policy, now, null));
    }
  }
  return [...bySlot.values()].sort((a, b) => a.slot < b.slot ? 1 : a.slot > b.slot ? -1 : 0)
    .slice(0, limit);
}

function open(slot: string, p: SchedulePolicy | undefined, now: Date, r: SlotRow | null) {
  const past = p ? now.getTime() > deadlineOf(p, new Date(slot)) : false;
  const base = {
    slot,
    run_id: r?.run_id ?? null,
    started_at: null,
    delay_ms: null,
  };
  if (!past) {
    return { ...base, state: "pending" as const, reason: r?.reason ?? null };
  }
  return {
    ...base,
    state: "missed" as const,
    reason: r
      ? `${r.state} by ${r.engine || "docket"} but not started by its deadline`
      : "no start by its deadline (the timer or scheduler did not fire, or the host was down)",
  };
}

function fromRow(r: SlotRow, p: SchedulePolicy | undefined, now: Date): Occurrence {
  if (r.state === "claimed" || r.state === "queued") return open(r.slot, p, now, r);
  return {
    slot: r.slot,
    state: r.state,
    run_id: r.run_id,
    started_at: r.started_at,
    delay_ms: r.delay_ms,
    reason: r.reason,
    ...(r.holder_run_id ? { holder_run_id: r.holder_run_id } : {}),
  };
}

export interface ScheduleSummary {
  next_due: string | null;
  last_success: string | null;
  last_success_run_id: string | null;
  /** Slots missed among the last 20 expected. */
  missed: number;
  /** The newest due slot has not started and its fire time passed. */
  overdue: boolean;
  /** The newest slot and its state (refused/skipped say why in `occurrences`). */
  last_slot: { slot: string; state: OccurrenceState } | null;
}

/** What `status` shows per scheduled task: cheap (20 slots at most). */
export function scheduleSummary(
  db: DatabaseSync,
  task: string,
  policy: SchedulePolicy,
  now = new Date(),
): ScheduleSummary {
  const recent = occurrences(db, task, policy, { limit: 20, now });
  let ok: ReturnType<typeof lastSuccess>;
  try {
    ok = lastSuccess(db, task);
  } catch {
    ok = undefined;
  }
  return {
    next_due: nextFire(policy, now)?.toISOString() ?? null,
    last_success: ok?.finished_at ?? null,
    last_success_run_id: ok?.run_id ?? null,
    missed: recent.filter((o) => o.state === "missed").length,
    overdue: recent[0]?.state === "pending" && now.getTime() - Date.parse(recent[0].slot) > 1000,
    last_slot: recent[0] ? { slot: recent[0].slot, state: recent[0].state } : null,
  };
}
