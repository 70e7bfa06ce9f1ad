/**
 * Splits a byte stream into lines with bounded memory: a line longer than `cap` bytes is
 * dropped whole (reported once through `onOverflow`), never parsed in pieces. Works on bytes:
 * a newline byte never occurs inside a multi-byte UTF-8 sequence.
 */
export class LineSplitter {
  #parts: Uint8Array[] = [];
  #size = 0;
  #skipping = false;
  readonly #dec = new TextDecoder();
  readonly #cap: number;
  readonly #onLine: (line: string) => void;
  readonly #onOverflow: () => void;

  constructor(cap: number, onLine: (line: string) => void, onOverflow: () => void) {
    this.#cap = cap;
    this.#onLine = onLine;
    this.#onOverflow = onOverflow;
  }

  push(b: Uint8Array): void {
    let start = 0;
    while (true) {
      const nl = b.indexOf(0x0a, start);
      const end = nl < 0 ? b.length : nl;
      if (
        nl >= 0 && end > start && this.#size === 0 && !this.#skipping && end - start <= this.#cap
      ) {
        // The common case, a whole line inside one chunk: decoded in place, no copy.
        this.#onLine(this.#dec.decode(b.subarray(start, end)));
        start = nl + 1;
        continue;
      }
      if (!this.#skipping && end > start) {
        if (this.#size + (end - start) > this.#cap) {
          this.#skipping = true;
          this.#reset();
          this.#onOverflow();
        } else {
          this.#parts.push(b.slice(start, end));
          this.#size += end - start;
        }
      }
      if (nl < 0) return;
      if (!this.#skipping) this.#onLine(this.#take());
      this.#reset();
      this.#skipping = false;
      start = nl + 1;
    }
  }

  /** The last line, if the stream did not end with a newline. */
  end(): void {
    if (!this.#skipping && this.#size) this.#onLine(this.#take());
    this.#reset();
  }

  #take(): string {
    if (this.#parts.length === 1) return this.#dec.decode(this.#parts[0]!);
    const all = new Uint8Array(this.#size);
    let off = 0;
    for (const p of this.#parts) {
      all.set(p, off);
      off += p.length;
    }
    return this.#dec.decode(all);
  }

  #reset(): void {
    this.#parts = [];
    this.#size = 0;
  }
}
