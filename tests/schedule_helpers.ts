/** Helpers for the scheduling tests: a scheduler process and the ledger read straight from SQLite. */
import { DatabaseSync } from "node:sqlite";
import { type Home, until } from "./helpers.ts";

export interface Slot {
  slot: string;
  state: string;
  run_id: string | null;
  started_at: string | null;
  reason: string | null;
  holder_run_id: string | null;
}

/** The recorded ledger rows of `task` (oldest first), read-only. */
export function ledger(h: Home, task: string): Slot[] {
  try {
    const db = new DatabaseSync(h.stateDb, { readOnly: true });
    try {
      return db.prepare(
        "SELECT slot, state, run_id, started_at, reason, holder_run_id FROM occurrences WHERE task_name = ? ORDER BY slot",
      ).all(task) as unknown as Slot[];
    } finally {
      db.close();
    }
  } catch {
    return []; // not created yet
  }
}

/** A run's row straight from SQLite. */
export function runRow(h: Home, runId: string): Record<string, unknown> | undefined {
  const db = new DatabaseSync(h.stateDb, { readOnly: true });
  try {
    return db.prepare("SELECT * FROM runs WHERE run_id = ?").get(runId) as
      | Record<string, unknown>
      | undefined;
  } finally {
    db.close();
  }
}

export class Scheduler {
  readonly child: Deno.ChildProcess;
  stderr = "";
  private reading: Promise<void>;
  constructor(h: Home, env: Record<string, string> = {}) {
    const child = this.child = h.spawn(["scheduler"], { env });
    this.reading = (async () => {
      for await (const b of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.stderr += b;
      }
    })();
  }
  started(): Promise<void> {
    return until(() => this.stderr.includes("scheduler started"), 20000, "scheduler start");
  }
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // already gone
    }
    const st = await this.child.status;
    await this.child.stdout.cancel().catch(() => {});
    await this.reading.catch(() => {});
    return st;
  }
}

/** Waits for every run of `task` to finish (so the test leaves no process behind). */
export async function drain(h: Home, task: string): Promise<void> {
  await until(
    () => {
      const db = new DatabaseSync(h.stateDb, { readOnly: true });
      try {
        const r = db.prepare(
          "SELECT COUNT(*) AS n FROM runs WHERE task_name = ? AND status IN ('running','queued')",
        ).get(task) as { n: number };
        return r.n === 0;
      } finally {
        db.close();
      }
    },
    60000,
    `runs of ${task} to finish`,
  );
}
