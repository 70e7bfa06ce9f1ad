/** Batches events into SQLite while a task runs: in order, none lost, none duplicated. */
import type { EventInput, EventStore } from "../core/store.ts";

export class EventSink {
  #buf: EventInput[] = [];
  #next: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
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

  push(e: EventInput): void {
    this.#buf.push(e);
    this.count++;
    this.last = e.event;
    this.recent.push(e.event);
    if (this.recent.length > 200) this.recent.splice(0, 100);
    if (this.#buf.length >= 5000) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), 100);
  }

  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#buf.length) return;
    const batch = this.#buf;
    this.#buf = [];
    this.#store.appendEvents(this.#runId, this.#task, this.#next, batch);
    this.#next += batch.length;
  }
}
