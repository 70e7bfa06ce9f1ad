/** Batches events into SQLite while a task runs: in order, none lost, none duplicated. */
import type { EventInput, EventStore } from "../core/store.ts";
import { maxEvents } from "./output_budget.ts";

/** Inserts one flush() tries before it throws (each may wait the whole busy timeout). */
const MAX_TRIES = 3;

export class EventSink {
  #buf: EventInput[] = [];
  #next: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #failures = 0;
  readonly #store: EventStore;
  readonly #runId: string;
  readonly #task: string;
  count = 0;
  last: Record<string, unknown> | null = null;
  /** The first events, kept for `details.events` (bounded). */
  readonly recent: Record<string, unknown>[] = [];

  constructor(store: EventStore, runId: string, task: string, startIndex = 0) {
    this.#store = store;
    this.#runId = runId;
    this.#task = task;
    this.#next = startIndex;
  }

  /** Events past the run's budget (output_budget.ts): counted, not stored. */
  dropped = 0;
  readonly limit = maxEvents();

  push(e: EventInput): void {
    if (this.count >= this.limit) {
      this.dropped++;
      return;
    }
    this.#buf.push(e);
    this.count++;
    this.last = e.event;
    this.recent.push(e.event);
    if (this.recent.length > 200) this.recent.splice(0, 100);
    if (this.#buf.length >= 5000 && this.#failures === 0) this.#tryFlush();
    else this.#schedule();
  }

  /**
   * Writes what is buffered. A failed insert (SQLite busy past its timeout) keeps the batch,
   * in order, for the next flush: the transaction rolled back, so indexes stay contiguous.
   * Throws after MAX_TRIES failed inserts, with the batch still kept.
   */
  flush(): void {
    for (let tries = 1;; tries++) {
      const err = this.#write();
      if (err === undefined) return;
      if (tries >= MAX_TRIES) throw err;
    }
  }

  /** From the timer and from push: never throws (the error would be uncaught there). */
  #tryFlush(): void {
    if (this.#write() !== undefined) this.#schedule();
  }

  /** 100 ms; after failed inserts, backs off up to 2 s (each failure waited the busy timeout). */
  #schedule(): void {
    this.#timer ??= setTimeout(
      () => this.#tryFlush(),
      Math.min(2000, 100 * 2 ** this.#failures),
    );
  }

  /** One insert of the whole buffer; returns the error when it failed. */
  #write(): unknown {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#buf.length) return undefined;
    const batch = this.#buf;
    try {
      this.#store.appendEvents(this.#runId, this.#task, this.#next, batch);
    } catch (err) {
      this.#failures++;
      return err;
    }
    this.#failures = 0;
    this.#buf = []; // only now: a failed insert rolled back and keeps the batch for a retry
    this.#next += batch.length;
    return undefined;
  }
}
