/** SQLite implementation of RetentionStore: one query decides, one transaction deletes. */
import type { SQLInputValue } from "node:sqlite";
import type { PruneCandidate, RetentionStore } from "../core/retention.ts";
import type { SqliteStore } from "./sqlite_store.ts";
import { stateError, tx } from "./sqlite.ts";

const CANDIDATES = `
  SELECT r.run_id, r.task_name, r.status, r.finished_at, r.log_path, r.rn,
    (SELECT count(*) FROM events e WHERE e.run_id = r.run_id) AS event_count
  FROM (
    SELECT run_id, task_name, status, finished_at, log_path,
      ROW_NUMBER() OVER (PARTITION BY task_name ORDER BY run_id DESC) AS rn
    FROM runs WHERE status NOT IN ('running', 'queued')
  ) AS r
  WHERE ((?1 IS NOT NULL AND r.rn > ?1) OR (?2 IS NOT NULL AND r.finished_at < ?2))
    AND r.run_id NOT IN (SELECT run_id FROM task_state)
  ORDER BY r.run_id`;

export class SqliteRetention implements RetentionStore {
  readonly #store: SqliteStore;

  constructor(store: SqliteStore) {
    this.#store = store;
  }

  pruneCandidates(keepRuns: number | null, cutoff: string | null): PruneCandidate[] {
    try {
      return this.#select(keepRuns, cutoff);
    } catch (err) {
      throw stateError(this.#store.path, err);
    }
  }

  deleteRuns(keepRuns: number | null, cutoff: string | null): PruneCandidate[] {
    const db = this.#store.db;
    try {
      return tx(db, () => {
        const found = this.#select(keepRuns, cutoff);
        const delEvents = db.prepare("DELETE FROM events WHERE run_id = ?");
        const delRun = db.prepare(
          "DELETE FROM runs WHERE run_id = ? AND status NOT IN ('running', 'queued')",
        );
        for (const c of found) {
          delEvents.run(c.run_id);
          delRun.run(c.run_id);
        }
        return found;
      });
    } catch (err) {
      throw stateError(this.#store.path, err);
    }
  }

  #select(keepRuns: number | null, cutoff: string | null): PruneCandidate[] {
    const rows = this.#store.db.prepare(CANDIDATES).all(
      keepRuns as SQLInputValue,
      cutoff as SQLInputValue,
    ) as Record<string, SQLInputValue>[];
    return rows.map((r) => ({
      run_id: r.run_id as string,
      task_name: r.task_name as string,
      status: r.status as string,
      finished_at: r.finished_at as string | null,
      log_path: r.log_path as string | null,
      event_count: Number(r.event_count),
      reason: keepRuns !== null && Number(r.rn) > keepRuns ? "keep_runs" : "keep_days",
    }));
  }
}
