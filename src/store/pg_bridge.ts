/**
 * Synchronous calls into the PostgreSQL worker: post a request, then `Atomics.wait` on a shared
 * buffer until the worker answers (or the deadline passes). The worker is unref'd: a command
 * that ends without closing its store still exits.
 */
import { Worker } from "node:worker_threads";

export interface Reply {
  ok: boolean;
  value?: unknown;
  message?: string;
  code?: string | null;
  newer?: boolean;
}

export class SyncWorker {
  readonly #w: Worker;
  readonly #ctl = new Int32Array(new SharedArrayBuffer(8));
  #buf = new SharedArrayBuffer(1 << 20);
  #dead = false;

  constructor(data: Record<string, unknown>) {
    const url = new URL("./pg_worker.ts", import.meta.url);
    this.#w = new Worker(url, { workerData: { ...data, ctl: this.#ctl.buffer } });
    this.#w.unref();
    this.#w.postMessage({ buf: this.#buf });
  }

  /** Runs `op` in the worker; null when it did not answer within `timeoutMs`. */
  call(op: string, args: unknown[], timeoutMs: number): Reply | null {
    if (this.#dead) return null;
    Atomics.store(this.#ctl, 0, 0);
    this.#w.postMessage({ op, args });
    return this.#waitFor(timeoutMs);
  }

  #waitFor(timeoutMs: number): Reply | null {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.#ctl, 0, 0, left) === "timed-out") {
        this.close();
        return null;
      }
      const state = Atomics.load(this.#ctl, 0);
      if (state === 2) {
        this.#buf = new SharedArrayBuffer(this.#ctl[1]! + 1024);
        Atomics.store(this.#ctl, 0, 0);
        this.#w.postMessage({ buf: this.#buf, resend: true });
        continue;
      }
      const bytes = new Uint8Array(this.#buf, 0, this.#ctl[1]!).slice();
      return JSON.parse(new TextDecoder().decode(bytes)) as Reply;
    }
  }

  close(): void {
    if (this.#dead) return;
    this.#dead = true;
    void this.#w.terminate();
  }
}
