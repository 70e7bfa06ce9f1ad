/**
 * How many runs one `docket mcp` has going at once. Each run is a runner and a task process
 * (≈ 40 MB together, measured); with `force: true` the task's lock does not bound them, so a
 * client could start runs until the machine ran out of memory (measured: 30 concurrent
 * `start_task` calls of one task, all started). The budget counts the runs this server started
 * that are still going, and refuses a start beyond MAX_ACTIVE_RUNS with `lock_held`.
 */
import { DocketError } from "../core/errors.ts";

export const MAX_ACTIVE_RUNS = 8;

export interface Slot {
  /** The run started: it holds the slot until it is seen finished. */
  commit(runId: string): void;
  /** Nothing started: the slot is free again. */
  release(): void;
}

export class RunBudget {
  readonly #active = new Set<string>();
  #pending = 0;

  constructor(private readonly max = MAX_ACTIVE_RUNS) {}

  /**
   * Reserves a slot, synchronously (concurrent calls cannot both take the last one).
   * `stillActive` returns which of the given runs are still going.
   */
  reserve(task: string, stillActive: (ids: string[]) => string[]): Slot {
    if (this.#active.size + this.#pending >= this.max && this.#active.size > 0) {
      const live = new Set(stillActive([...this.#active]));
      for (const id of [...this.#active]) if (!live.has(id)) this.#active.delete(id);
    }
    if (this.#active.size + this.#pending >= this.max) {
      throw new DocketError(
        "lock_held",
        `Cannot start task "${task}": this MCP server already has ${this.max} runs going, ` +
          "the most it starts at once",
        {
          hint: "Wait for one to finish (wait_run) or cancel one (cancel_run), then start again",
          details: { task, limit: this.max, active_runs: [...this.#active] },
        },
      );
    }
    this.#pending++;
    let done = false;
    const settle = () => {
      if (done) return false;
      done = true;
      this.#pending--;
      return true;
    };
    return {
      commit: (id) => {
        if (settle()) this.#active.add(id);
      },
      release: () => void settle(),
    };
  }
}
