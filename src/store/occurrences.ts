/**
 * The occurrence ledger's rows (migration v5). A row exists for a slot that was claimed or
 * started; `missed` and `pending` slots are computed from the schedule when it is read
 * (src/schedule/ledger.ts), so a timer that never fired still shows.
 *
 * @module
 */
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { tx } from "./sqlite.ts";

export type SlotState = "claimed" | "queued" | "ran" | "late" | "skipped" | "refused" | "missed";
/** States a later record may overwrite: a start in progress. */
const OPEN = ["claimed", "queued"];

export interface SlotRow {
  task_name: string;
  slot: string;
  state: SlotState;
  run_id: string | null;
  started_at: string | null;
  delay_ms: number | null;
  reason: string | null;
  holder_run_id: string | null;
  engine: string;
}

type Row = Record<string, SQLInputValue>;
const toSlot = (r: Row): SlotRow => ({
  task_name: r.task_name as string,
  slot: r.slot as string,
  state: r.state as SlotState,
  run_id: (r.run_id as string | null) ?? null,
  started_at: (r.started_at as string | null) ?? null,
  delay_ms: (r.delay_ms as number | null) ?? null,
  reason: (r.reason as string | null) ?? null,
  holder_run_id: (r.holder_run_id as string | null) ?? null,
  engine: r.engine as string,
});

/**
 * Claims a slot for one start: true for exactly one caller, whichever process or scheduler
 * asks (the primary key decides, inside SQLite's write lock).
 */
export function claimSlot(
  db: DatabaseSync,
  task: string,
  slot: string,
  engine: string,
  state: "claimed" | "queued" = "claimed",
): boolean {
  const r = db.prepare(
    "INSERT OR IGNORE INTO occurrences (task_name, slot, state, engine) VALUES (?, ?, ?, ?)",
  ).run(task, slot, state, engine);
  return Number(r.changes) === 1;
}

/** The slot's row, if any. */
export function getSlot(db: DatabaseSync, task: string, slot: string): SlotRow | undefined {
  const r = db.prepare("SELECT * FROM occurrences WHERE task_name = ? AND slot = ?").get(
    task,
    slot,
  ) as Row | undefined;
  return r ? toSlot(r) : undefined;
}

/** Records a slot's outcome; a slot already decided (ran, skipped, …) keeps its first record. */
export function recordSlot(db: DatabaseSync, r: Omit<SlotRow, "engine"> & { engine?: string }) {
  tx(db, () => {
    db.prepare(
      `INSERT INTO occurrences
         (task_name, slot, state, run_id, started_at, delay_ms, reason, holder_run_id, engine)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task_name, slot) DO UPDATE SET state = excluded.state,
         run_id = excluded.run_id, started_at = excluded.started_at,
         delay_ms = excluded.delay_ms, reason = excluded.reason,
         holder_run_id = excluded.holder_run_id
       WHERE occurrences.state IN (${OPEN.map((s) => `'${s}'`).join(",")})`,
    ).run(
      r.task_name,
      r.slot,
      r.state,
      r.run_id,
      r.started_at,
      r.delay_ms,
      r.reason,
      r.holder_run_id,
      r.engine ?? "",
    );
    setOrigin(db, r.task_name, "run", r.slot);
  });
}

/** Recorded rows of a task with slot >= since (ISO), newest first. */
export function listSlots(db: DatabaseSync, task: string, since: string, limit: number): SlotRow[] {
  return (db.prepare(
    "SELECT * FROM occurrences WHERE task_name = ? AND slot >= ? ORDER BY slot DESC LIMIT ?",
  ).all(task, since, limit) as Row[]).map(toSlot);
}

/** Since when an engine expects the task's slots (the first call wins). */
export function setOrigin(db: DatabaseSync, task: string, engine: string, since: string): void {
  db.prepare(
    "INSERT OR IGNORE INTO occurrence_origin (task_name, engine, since) VALUES (?, ?, ?)",
  ).run(task, engine, since);
}

/** The earliest time any engine expected the task's slots, if ever. */
export function originOf(db: DatabaseSync, task: string): string | undefined {
  const r = db.prepare("SELECT MIN(since) AS since FROM occurrence_origin WHERE task_name = ?")
    .get(task) as { since: string | null } | undefined;
  return r?.since ?? undefined;
}

/** The task's last successful (non-dry) run. */
export function lastSuccess(
  db: DatabaseSync,
  task: string,
): { run_id: string; finished_at: string | null } | undefined {
  return db.prepare(
    `SELECT run_id, finished_at FROM runs WHERE task_name = ? AND status = 'succeeded'
       AND dry_run = 0 ORDER BY run_id DESC LIMIT 1`,
  ).get(task) as { run_id: string; finished_at: string | null } | undefined;
}
