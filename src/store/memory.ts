/**
 * An in-memory Store with the SQLite store's semantics (finished runs immutable, latest state
 * per task, ordered events, locks, retention). For fast unit tests; never configured.
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

const active = (r: RunRow) => r.status === "running" || r.status === "queued";
const copy = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements Store {
  readonly #runs = new Map<string, RunRow>();
  readonly #state = new Map<string, string>();
  readonly #events = new Map<string, EventRow[]>();
  readonly #locks = new Map<string, LockHolder>();

  insertRun(row: RunRow): void {
    if (this.#runs.has(row.run_id)) {
      throw new DocketError("state_error", `Run "${row.run_id}" already exists`);
    }
    this.#runs.set(row.run_id, copy(row));
  }

  setRunner(runId: string, fields: Partial<RunRow>): void {
    const r = this.#runs.get(runId);
    if (r && active(r)) Object.assign(r, copy(fields));
  }

  finishRun(runId: string, f: RunFinish, onlyIf?: RunnerIdentity): boolean {
    const r = this.#runs.get(runId);
    if (!r || !active(r)) return false;
    if (onlyIf && (r.runner_pid !== onlyIf.runner_pid || r.runner_start !== onlyIf.runner_start)) {
      return false;
    }
    Object.assign(r, copy(f));
    if (!r.dry_run) {
      const cur = this.#state.get(r.task_name);
      if (cur === undefined || runId > cur) this.#state.set(r.task_name, runId);
    }
    for (const [t, l] of this.#locks) if (l.run_id === runId) this.#locks.delete(t);
    return true;
  }

  requestCancel(runId: string, at: string): void {
    const r = this.#runs.get(runId);
    if (r && active(r)) r.cancel_requested_at = at;
  }

  setHooks(runId: string, hooks: HookRecord[]): void {
    const r = this.#runs.get(runId);
    if (r) r.hooks = copy(hooks);
  }

  getRun(runId: string): RunRow | undefined {
    const r = this.#runs.get(runId);
    return r ? copy(r) : undefined;
  }

  listRuns(q: RunQuery): RunRow[] {
    return [...this.#runs.values()]
      .filter((r) =>
        (!q.task || r.task_name === q.task) && (q.includeDryRuns !== false || !r.dry_run)
      )
      .sort((a, b) => a.run_id < b.run_id ? 1 : -1)
      .slice(0, q.limit)
      .map(copy);
  }

  latestPerTask(): Map<string, RunRow> {
    return new Map([...this.#state].map(([t, id]) => [t, copy(this.#runs.get(id)!)]));
  }

  activeRuns(): RunRow[] {
    return [...this.#runs.values()].filter(active).map(copy);
  }

  appendEvents(runId: string, taskName: string, firstIndex: number, events: EventInput[]): void {
    const list = this.#events.get(runId) ?? [];
    const taken = new Set(list.map((e) => e.event_index));
    // All or nothing, as one transaction: a duplicate index adds none of them.
    events.forEach((_, i) => {
      if (taken.has(firstIndex + i)) {
        throw new DocketError("state_error", `Event ${firstIndex + i} of run ${runId} exists`);
      }
    });
    events.forEach((e, i) =>
      list.push({ ...copy(e), run_id: runId, task_name: taskName, event_index: firstIndex + i })
    );
    list.sort((a, b) => a.event_index - b.event_index);
    this.#events.set(runId, list);
  }

  listEvents(runId: string, fromIndex: number, limit: number): EventRow[] {
    return (this.#events.get(runId) ?? []).filter((e) => e.event_index >= fromIndex)
      .slice(0, limit).map(copy);
  }

  countEvents(runId: string): number {
    return this.#events.get(runId)?.length ?? 0;
  }

  acquire(holder: LockHolder, isHolderAlive: (h: LockHolder) => boolean) {
    const cur = this.#locks.get(holder.task_name);
    if (cur && isHolderAlive(cur)) return { ok: false as const, holder: copy(cur) };
    this.#locks.set(holder.task_name, copy(holder));
    return { ok: true as const };
  }

  transfer(taskName: string, runId: string, pid: number, pidStart: string): void {
    const l = this.#locks.get(taskName);
    if (l && l.run_id === runId) Object.assign(l, { pid, pid_start: pidStart });
  }

  release(taskName: string, runId: string): void {
    if (this.#locks.get(taskName)?.run_id === runId) this.#locks.delete(taskName);
  }

  list(): LockHolder[] {
    return [...this.#locks.values()].map(copy);
  }

  retention(): RetentionStore {
    return {
      pruneCandidates: (k, c) => this.#candidates(k, c),
      deleteRuns: (k, c) => {
        const found = this.#candidates(k, c);
        for (const x of found) {
          this.#runs.delete(x.run_id);
          this.#events.delete(x.run_id);
        }
        return found;
      },
    };
  }

  #candidates(keepRuns: number | null, cutoff: string | null): PruneCandidate[] {
    const latest = new Set(this.#state.values());
    const rank = new Map<string, number>();
    const out: PruneCandidate[] = [];
    const finished = [...this.#runs.values()].filter((r) => !active(r))
      .sort((a, b) => a.run_id < b.run_id ? 1 : -1);
    for (const r of finished) {
      const rn = (rank.get(r.task_name) ?? 0) + 1;
      rank.set(r.task_name, rn);
      const byCount = keepRuns !== null && rn > keepRuns;
      const byAge = cutoff !== null && r.finished_at !== null && r.finished_at < cutoff;
      if (!(byCount || byAge) || latest.has(r.run_id)) continue;
      out.push({
        run_id: r.run_id,
        task_name: r.task_name,
        status: r.status,
        finished_at: r.finished_at,
        log_path: r.log_path,
        event_count: this.countEvents(r.run_id),
        reason: byCount ? "keep_runs" : "keep_days",
      });
    }
    return out.sort((a, b) => a.run_id < b.run_id ? -1 : 1);
  }

  health(): StoreHealth {
    return {
      backend: "memory",
      location: ":memory:",
      schema_version: 0,
      schema_latest: 0,
      integrity: "ok",
    };
  }

  close(): void {}
}
