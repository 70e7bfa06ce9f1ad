/**
 * What a start for a schedule slot records in the ledger: `ran`/`late` with its run id and
 * delay, `skipped` (lock held under overlap skip, with the holder) or `refused` (anything
 * that stopped it before it ran: config, schema, missing env, permission policy), each with
 * the reason. One slot starts once: the row's primary key is claimed before anything runs.
 *
 * @module
 */
import { requireSqliteDb, sqliteDbOf } from "../store/sqlite_access.ts";
import type { DatabaseSync } from "node:sqlite";
import { DocketError, toDocketError } from "../core/errors.ts";
import type { Prepared, PrepareOptions } from "../runs/execute.ts";
import { claimSlot, getSlot, recordSlot } from "../store/occurrences.ts";
import { tx } from "../store/sqlite.ts";
import type { NotifyConfig } from "../notify/notify.ts";
import { deadlineOf, policyOf, previousFire } from "./next.ts";

export interface SlotStart {
  /** The slot's fire time (ISO, jitter included), as `nextFire` computes it. */
  at: string;
  /** "scheduler", "systemd" or "cli". */
  engine: string;
  /** The caller already claimed the row (the scheduler): do not claim it again. */
  claimed?: boolean;
}

/** `--slot <ISO>` or `--slot auto` (the newest slot at or before now) as a slot's fire time. */
export function resolveSlot(task: string, config: Record<string, unknown>, raw: string): string {
  const p = policyOf(task, config);
  if (!p) {
    throw new DocketError("usage", `Cannot use --slot: task "${task}" has no schedule`, {
      hint: `Add schedule: under tasks.${task} in the config, or run it without --slot`,
    });
  }
  if (raw === "auto") {
    const at = previousFire(p, new Date(), 400 * 86400);
    if (!at) {
      throw new DocketError("usage", `Cannot infer a slot: "${p.schedule}" has no past fire time`);
    }
    return at.toISOString();
  }
  const ms = Date.parse(raw);
  if (!/^\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)$/.test(raw) || !Number.isFinite(ms)) {
    throw new DocketError("usage", `Invalid --slot "${raw.slice(0, 60)}"`, {
      hint: "Give the slot's fire time as ISO 8601, e.g. 2026-01-01T03:00:00Z, or `auto`",
    });
  }
  const iso = new Date(ms).toISOString();
  const prev = previousFire(p, new Date(ms), 400 * 86400);
  if (prev?.toISOString() !== iso) {
    throw new DocketError("usage", `Slot ${iso} is not a fire time of "${p.schedule}"`, {
      hint: "`docket occurrences " + task + "` lists the task's slots",
    });
  }
  return iso;
}

/** prepareRun for a slot: claim, prepare, record what happened. */
export async function prepareSlot(
  o: PrepareOptions,
  prepare: (o: PrepareOptions) => Promise<Prepared>,
): Promise<Prepared> {
  const slot = o.slot!;
  const db = requireSqliteDb(o.store, "A scheduled start (--slot)");
  const name = o.task.name;
  if (!slot.claimed && !claimSlot(db, name, slot.at, slot.engine)) {
    const row = getSlot(db, name, slot.at);
    throw new DocketError(
      "lock_held",
      `Cannot start task "${name}" for slot ${slot.at}: that slot was already ${
        row?.state ?? "claimed"
      }` +
        (row?.run_id ? ` (run ${row.run_id})` : ""),
      {
        hint: "A slot starts once; run it without --slot to start it again by hand",
        details: { task: name, slot: slot.at, ...(row?.run_id ? { run_id: row.run_id } : {}) },
      },
    );
  }
  let p: Prepared;
  try {
    p = await prepare(o);
  } catch (err) {
    const e = toDocketError(err);
    const holder = e.kind === "lock_held" ? e.details?.holder_run_id : undefined;
    recordSlot(db, {
      task_name: name,
      slot: slot.at,
      state: e.kind === "lock_held" ? "skipped" : "refused",
      run_id: null,
      started_at: null,
      delay_ms: null,
      reason: `${e.kind}: ${e.message}`.slice(0, 500),
      holder_run_id: typeof holder === "string" ? holder : null,
      engine: slot.engine,
    });
    await missedSince(o, "-");
    throw err;
  }
  const policy = policyOf(name, o.task.config);
  const late = policy ? p.startedMs > deadlineOf(policy, new Date(slot.at)) : false;
  recordSlot(db, {
    task_name: name,
    slot: slot.at,
    state: late ? "late" : "ran",
    run_id: p.runId,
    started_at: new Date(p.startedMs).toISOString(),
    delay_ms: p.startedMs - Date.parse(slot.at),
    reason: late ? "started after its deadline" : null,
    holder_run_id: null,
    engine: slot.engine,
  });
  await missedSince(o, p.runId);
  return p;
}

/** `notify.on: [missed]` (never fails the start). */
async function missedSince(o: PrepareOptions, runId: string): Promise<void> {
  const policy = policyOf(o.task.name, o.task.config);
  if (!policy || !o.slot) return;
  try {
    const { notifyMissed } = await import("./missed_notify.ts");
    const db = sqliteDbOf(o.store);
    if (!db) return;
    await notifyMissed(
      db,
      o.task.name,
      policy,
      o.task.config.notify as NotifyConfig | undefined,
      o.slot.at,
      runId,
    );
  } catch {
    // a notification never changes a start's outcome
  }
}

/**
 * `overlap: queue`: marks this slot as the one waiting start, unless another is already
 * waiting behind a run still active (its slot is returned then).
 */
export function claimQueue(
  db: DatabaseSync,
  task: string,
  slot: string,
  holder: string,
): string | undefined {
  return tx(db, () => {
    const waiting = db.prepare(
      `SELECT o.slot FROM occurrences o JOIN runs r ON r.run_id = o.holder_run_id
        WHERE o.task_name = ? AND o.state = 'queued' AND o.slot <> ?
          AND r.status IN ('running', 'queued') LIMIT 1`,
    ).get(task, slot) as { slot: string } | undefined;
    if (waiting) return waiting.slot;
    db.prepare(
      `UPDATE occurrences SET state = 'queued', holder_run_id = ?, reason = ?
        WHERE task_name = ? AND slot = ? AND state IN ('claimed', 'queued')`,
    ).run(holder, `queued behind run ${holder}`, task, slot);
    return undefined;
  });
}

/** The waiting start got the lock (or gave up): it is no longer the queue. */
export function releaseQueue(db: DatabaseSync, task: string, slot: string): void {
  db.prepare(
    "UPDATE occurrences SET state = 'claimed' WHERE task_name = ? AND slot = ? AND state = 'queued'",
  ).run(task, slot);
}

/** Whether this process runs in the task's own systemd service (docket-<task>.service). */
export function startedByUnit(task: string): boolean {
  if (!Deno.env.get("INVOCATION_ID")) return false;
  try {
    const cg = Deno.readTextFileSync("/proc/self/cgroup");
    return cg.split("\n").some((l) => l.endsWith(`/docket-${task}.service`));
  } catch {
    return false;
  }
}
