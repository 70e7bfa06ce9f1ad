/** A live status line on stderr (TTY only): elapsed time and the latest output line. */
import { esc } from "./escape.ts";
export class LiveLine {
  #label: string;
  #last = "";
  #start = Date.now();
  #timer: ReturnType<typeof setInterval>;
  #dec = new TextDecoder();
  #enc = new TextEncoder();

  constructor(label: string) {
    this.#label = label;
    this.#timer = setInterval(() => this.#draw(), 200);
    this.#draw();
  }

  output(b: Uint8Array): void {
    const text = this.#dec.decode(b, { stream: true });
    // deno-lint-ignore no-control-regex
    const lines = text.split(/[\r\n]/).map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trim())
      .filter((l) => l && !l.startsWith("\x1e")).map(esc);
    if (lines.length) this.#last = lines[lines.length - 1]!;
  }

  note(s: string): void {
    this.#last = esc(s);
  }

  #draw(): void {
    const secs = ((Date.now() - this.#start) / 1000).toFixed(0);
    const cols = Deno.consoleSize?.().columns ?? 80;
    const line = [...`⠿ ${esc(this.#label)} ${secs}s ${this.#last}`].slice(0, cols - 1).join("");
    try {
      Deno.stderr.writeSync(this.#enc.encode(`\r\x1b[2K${line}`));
    } catch {
      // not a terminal any more
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    try {
      Deno.stderr.writeSync(this.#enc.encode("\r\x1b[2K"));
    } catch {
      // ignore
    }
  }
}
