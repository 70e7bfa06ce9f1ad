/**
 * PostgreSQL implementation of Store, for many hosts sharing one history. The driver runs in
 * a worker (src/store/pg_worker.ts); this class only forwards calls and turns failures into a
 * clear state_error. Locks are rows with a lease: see `acquire`.
 */
import type {
  EventInput,
  EventRow,
  HookRecord,
  LockHolder,
  RunFinish,
  RunnerIdentity,
  RunQuery,
  RunRow,
  Store,
  StoreHealth,
} from "../core/store.ts";
import type { PruneCandidate, RetentionStore } from "../core/retention.ts";
import { DocketError } from "../core/errors.ts";
import { SyncWorker } from "./pg_bridge.ts";

export interface PgOptions {
  url: string;
  /** Where the URL came from (the variable's name), for messages. */
  source: string;
  hostId: string;
  beatMs: number;
  /** Lock lease and heartbeat freshness. */
  staleMs: number;
  timeoutMs?: number;
}

/** The URL without its password, for messages and doctor. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparsable URL)";
  }
}

export class PgStore implements Store {
  readonly #w: SyncWorker;
  readonly #o: PgOptions;
  readonly #timeout: number;
  readonly location: string;

  constructor(o: PgOptions) {
    this.#o = o;
    this.#timeout = o.timeoutMs ?? 30_000;
    this.location = maskUrl(o.url);
    this.#w = new SyncWorker({
      url: o.url,
      hostId: o.hostId,
      pid: Deno.pid,
      beatMs: o.beatMs,
      staleMs: o.staleMs,
      connectTimeoutS: Math.max(1, Math.round(Math.min(this.#timeout, 10_000) / 1000)),
    });
    this.#call("open");
  }

  get hostId(): string {
    return this.#o.hostId;
  }

  #call<T>(op: string, ...args: unknown[]): T {
    const r = this.#w.call(op, args, this.#timeout);
    if (r === null) {
      throw new DocketError(
        "state_error",
        `PostgreSQL at ${this.location} did not answer within ${this.#timeout / 1000} s`,
        {
          hint:
            `Check that the server is up and reachable (${this.#o.source}), then run \`docket doctor\``,
        },
      );
    }
    if (r.ok) return r.value as T;
    const unreachable = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|CONNECT_TIMEOUT|ECONNRESET/
      .test(`${r.code} ${r.message}`);
    throw new DocketError(
      "state_error",
      unreachable
        ? `PostgreSQL at ${this.location} is unreachable: ${r.message}`
        : `PostgreSQL state database ${this.location}: ${r.message}`,
      {
        hint: r.newer
          ? "Upgrade docket on this host: another host migrated the database to a newer schema"
          : unreachable
          ? `Start the server or fix the URL in ${this.#o.source}; nothing was recorded`
          : r.code === "28P01" || r.code === "28000"
          ? `Check the user and password in ${this.#o.source}`
          : "Run `docket doctor` (it checks connectivity, schema version and permissions)",
        details: { backend: "postgres", code: r.code ?? null },
      },
    );
  }

  insertRun(row: RunRow): void {
    this.#call("insertRun", row);
  }
  setRunner(runId: string, fields: Partial<RunRow>): void {
    this.#call("setRunner", runId, fields);
  }
  finishRun(runId: string, f: RunFinish, onlyIf?: RunnerIdentity): boolean {
    return this.#call<boolean>("finishRun", runId, f, onlyIf ?? null);
  }
  requestCancel(runId: string, at: string): void {
    this.#call("requestCancel", runId, at);
  }
  setHooks(runId: string, hooks: HookRecord[]): void {
    this.#call("setHooks", runId, hooks);
  }
  getRun(runId: string): RunRow | undefined {
    return this.#call<RunRow | null>("getRun", runId) ?? undefined;
  }
  listRuns(q: RunQuery): RunRow[] {
    return this.#call<RunRow[]>("listRuns", q);
  }
  latestPerTask(): Map<string, RunRow> {
    return new Map(this.#call<RunRow[]>("latestPerTask").map((r) => [r.task_name, r]));
  }
  activeRuns(): RunRow[] {
    return this.#call<RunRow[]>("activeRuns");
  }
  appendEvents(runId: string, taskName: string, firstIndex: number, events: EventInput[]): void {
    if (events.length) this.#call("appendEvents", runId, taskName, firstIndex, events);
  }
  listEvents(runId: string, fromIndex: number, limit: number): EventRow[] {
    return this.#call<EventRow[]>("listEvents", runId, fromIndex, limit);
  }
  countEvents(runId: string): number {
    return this.#call<number>("countEvents", runId);
  }

  /**
   * A lock is a row with a lease (not an advisory lock: those belong to one connection, and the
   * lock passes from the launching CLI to the async runner, another process). A holder on this
   * host is judged by its process, as with SQLite; one on another host by its lease, which its
   * process extends every beat while it lives. Taking is a compare-and-swap on the row as read.
   */
  acquire(holder: LockHolder, isHolderAlive: (h: LockHolder) => boolean) {
    for (let i = 0; i < 20; i++) {
      const cur = this.#call<(LockHolder & { lease_live?: boolean }) | null>(
        "lockGet",
        holder.task_name,
      );
      if (cur) {
        const alive = cur.lease_live ?? isHolderAlive(cur);
        if (alive) {
          const { lease_live: _, ...h } = cur;
          return { ok: false as const, holder: h };
        }
      }
      if (this.#call<boolean>("lockTake", holder, cur)) return { ok: true as const };
    }
    throw new DocketError("state_error", `Lock of "${holder.task_name}" keeps changing hands`);
  }
  transfer(taskName: string, runId: string, pid: number, pidStart: string): void {
    this.#call("transfer", taskName, runId, pid, pidStart);
  }
  release(taskName: string, runId: string): void {
    this.#call("release", taskName, runId);
  }
  list(): LockHolder[] {
    return this.#call<(LockHolder & { lease_live?: boolean })[]>("listLocks")
      .map(({ lease_live: _, ...h }) => h);
  }

  retention(): RetentionStore {
    return {
      pruneCandidates: (k, c) => this.#call<PruneCandidate[]>("pruneCandidates", k, c),
      deleteRuns: (k, c) => this.#call<PruneCandidate[]>("deleteRuns", k, c),
    };
  }

  health(): StoreHealth {
    const h = this.#call<Omit<StoreHealth, "backend" | "location">>("health");
    return { backend: "postgres", location: this.location, ...h };
  }

  close(): void {
    this.#w.close();
  }
}
