/** Run ids: `YYYYMMDDTHHMMSSffffffZ-xxxxxxxx` (UTC, microseconds, 8 hex). */
export const RUN_ID_RE = /^\d{8}T\d{12}Z-[0-9a-f]{8}$/;

export function newRunId(now = new Date()): string {
  const p = (n: number | string, w = 2) => String(n).padStart(w, "0");
  const micros = now.getUTCMilliseconds() * 1000 + Math.floor((performance.now() % 1) * 1000);
  const hex = Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => p(b.toString(16)))
    .join("");
  return `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}T` +
    `${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}${
      p(micros, 6)
    }Z-${hex}`;
}

export function isRunId(s: string): boolean {
  return RUN_ID_RE.test(s);
}

let lastMs = NaN;
let lastIso = "";

/** Now, UTC ISO-8601 with ms and `Z`; formatted once per ms (ingestion calls it per line). */
export function nowIso(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
