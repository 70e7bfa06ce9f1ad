/**
 * Redaction for anything a hook or notification reports back: output tails, error messages
 * and echoed URLs. Results land in `--json` output and the run store, so they must never
 * carry a token.
 */

const MASK = "***";

/** Shorter values would mask ordinary words ("true", "1") and reveal little if left alone. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret value (length ≥ 4) with `***`. */
export function maskSecrets(text: string, secrets: string[]): string {
  // Longest first, so a secret that contains another is masked whole.
  const values = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.replaceAll(value, MASK);
  return out;
}

/** Redacts Telegram bot tokens as they appear in Bot API URLs: `bot123456:AAE…` → `bot123456:***`. */
export function maskTelegramToken(text: string): string {
  return text.replace(/\bbot(\d+):[A-Za-z0-9_-]+/g, `bot$1:${MASK}`);
}

/** Redacts the token part of Discord webhook URLs: `/api/webhooks/<id>/<token>` → `/api/webhooks/<id>/***`. */
export function maskDiscordWebhook(text: string): string {
  return text.replace(/(\/api(?:\/v\d+)?\/webhooks\/\d+\/)[^\s/?#"'<>]+/g, `$1${MASK}`);
}

/** Redacts the password of a URL's userinfo: `https://user:pw@host` → `https://user:***@host`. */
export function maskUrlPassword(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:)[^\s/?#@]+@/gi, `$1${MASK}@`);
}

/** The token shapes above, for text with no known secret values (config, hook commands). */
export function maskTokenShapes(text: string): string {
  return maskUrlPassword(maskDiscordWebhook(maskTelegramToken(text)));
}

/**
 * All of the above. Token shapes go first so a masked URL keeps its non-secret parts
 * (`bot123:***`); the known values then catch any token quoted on its own.
 */
export function maskAll(text: string, secrets: string[] = []): string {
  return maskSecrets(maskTokenShapes(text), secrets);
}

/** Masks secrets in every string of a JSON-like value (keys included); other values stay. */
export function maskDeep<T>(value: T, secrets: string[]): T {
  if (!secrets.some((s) => s.length >= MIN_SECRET_LENGTH)) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return maskSecrets(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v).map(([k, x]) => [maskSecrets(k, secrets), walk(x)]),
      );
    }
    return v;
  };
  return walk(value) as T;
}

/**
 * Masks secret values in a byte stream cut into arbitrary chunks (a task's output on its way
 * to the log). Bytes that could be the start of a secret completed by the next chunk are
 * held back — only those, so ordinary output is not delayed — and released by `flush`.
 */
export class StreamMasker {
  #secrets: Uint8Array[];
  #mask = new TextEncoder().encode(MASK);
  #carry = new Uint8Array(0);

  constructor(secrets: string[]) {
    const enc = new TextEncoder();
    this.#secrets = [...new Set(secrets)]
      .filter((s) => s.length >= MIN_SECRET_LENGTH)
      .sort((a, b) => b.length - a.length) // longest first, as in maskSecrets
      .map((s) => enc.encode(s));
  }

  /** Whether there is anything to mask; when not, `push` returns its input unchanged. */
  get active(): boolean {
    return this.#secrets.length > 0;
  }

  /** The masked bytes that are safe to write now (possibly empty). */
  push(chunk: Uint8Array): Uint8Array {
    if (!this.active) return chunk;
    return this.#scan(concat(this.#carry, chunk), false);
  }

  /** The held-back bytes, masked, at the end of the stream. */
  flush(): Uint8Array {
    return this.#scan(this.#carry, true);
  }

  #scan(buf: Uint8Array, final: boolean): Uint8Array {
    const out: Uint8Array[] = [];
    let from = 0; // start of bytes not yet emitted
    let i = 0;
    while (i < buf.length) {
      // A longer secret that the next chunk may complete wins over a shorter one here.
      if (!final && this.#secrets.some((s) => isPrefixAt(buf, i, s))) break;
      const hit = this.#secrets.find((s) => startsWith(buf, i, s));
      if (hit) {
        out.push(buf.subarray(from, i), this.#mask);
        i += hit.length;
        from = i;
      } else i++;
    }
    out.push(buf.subarray(from, i));
    this.#carry = buf.slice(i);
    return concat(...out);
  }
}

function startsWith(buf: Uint8Array, at: number, s: Uint8Array): boolean {
  if (at + s.length > buf.length) return false;
  for (let j = 0; j < s.length; j++) if (buf[at + j] !== s[j]) return false;
  return true;
}

/** `buf[at..]` is shorter than `s` and a prefix of it. */
function isPrefixAt(buf: Uint8Array, at: number, s: Uint8Array): boolean {
  const n = buf.length - at;
  if (n >= s.length) return false;
  for (let j = 0; j < n; j++) if (buf[at + j] !== s[j]) return false;
  return true;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
