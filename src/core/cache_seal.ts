/**
 * Seals docket's cache files (the validated config, drop-in metadata) with an HMAC keyed by a
 * secret only docket reads: `<home>/cache.key`, 32 random bytes, mode 0600, owned by the user
 * running docket. A cached copy decides what runs (hooks, grants), so a cache file that anyone
 * else wrote — or edited — must count as absent, never as the truth: an entry whose MAC does
 * not verify is ignored and rebuilt from the source file.
 *
 * No usable key (a read-only home, a key file with loose mode or another owner, a symlink):
 * nothing is sealed and nothing is trusted, so docket validates from the source every time.
 */
import { dirname, join } from "./path.ts";

export const CACHE_KEY_FILE = "cache.key";
const KEY_BYTES = 32;

const keys = new Map<string, Promise<CryptoKey | undefined>>();

/** The HMAC key of `home`'s caches, created on first use; undefined when none can be trusted. */
export function cacheKey(home: string): Promise<CryptoKey | undefined> {
  let k = keys.get(home);
  if (!k) keys.set(home, k = loadKey(join(home, CACHE_KEY_FILE)));
  return k;
}

async function loadKey(file: string): Promise<CryptoKey | undefined> {
  let raw = readKey(file);
  if (raw === "absent") {
    // Written aside, then linked into place: another docket starting at the same moment sees
    // no key or a whole key, never a half-written one (link fails if one is already there).
    const tmp = `${file}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
    try {
      Deno.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      Deno.writeFileSync(tmp, crypto.getRandomValues(new Uint8Array(KEY_BYTES)), {
        mode: 0o600,
        createNew: true,
      });
      Deno.chmodSync(tmp, 0o600);
      Deno.linkSync(tmp, file);
    } catch {
      // a read-only home, or another docket created it first: read what is there
    }
    try {
      Deno.removeSync(tmp);
    } catch {
      // never created
    }
    raw = readKey(file);
  }
  if (!(raw instanceof Uint8Array)) return undefined;
  return await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

/** The key's bytes when the file is a 0600 regular file of ours; "absent"; or "untrusted". */
function readKey(file: string): Uint8Array<ArrayBuffer> | "absent" | "untrusted" {
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(file);
  } catch {
    return "absent";
  }
  const uid = Deno.uid();
  if (!st.isFile || st.size !== KEY_BYTES || ((st.mode ?? 0) & 0o077) !== 0) return "untrusted";
  if (uid !== null && st.uid !== uid) return "untrusted";
  try {
    const raw = new Uint8Array(Deno.readFileSync(file));
    return raw.length === KEY_BYTES ? raw : "untrusted";
  } catch {
    return "untrusted";
  }
}

const hex = (b: ArrayBuffer) =>
  Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, "0")).join("");

/** `{ body, mac }` to store, or undefined when there is no key (then store nothing). */
export async function seal(
  home: string,
  body: string,
): Promise<{ body: string; mac: string } | undefined> {
  const key = await cacheKey(home);
  if (!key) return undefined;
  const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body));
  return { body, mac: hex(mac) };
}

/** The body of a sealed record if its MAC verifies under `home`'s key, else undefined. */
export async function unseal(home: string, record: unknown): Promise<string | undefined> {
  if (!record || typeof record !== "object") return undefined;
  const { body, mac } = record as { body?: unknown; mac?: unknown };
  if (typeof body !== "string" || typeof mac !== "string" || !/^[0-9a-f]{64}$/.test(mac)) {
    return undefined;
  }
  const key = await cacheKey(home);
  if (!key) return undefined;
  const sig = Uint8Array.from(mac.match(/../g)!, (h) => parseInt(h, 16));
  const ok = await crypto.subtle.verify("HMAC", key, sig, new TextEncoder().encode(body));
  return ok ? body : undefined;
}

/** SHA-256 of `parts`, each prefixed by its length (no part can end where another begins). */
export async function digest(...parts: (string | Uint8Array)[]): Promise<string> {
  const enc = new TextEncoder();
  const chunks = parts.flatMap((p) => {
    const b = typeof p === "string" ? enc.encode(p) : p;
    return [enc.encode(`${b.length}:`), b];
  });
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.length;
  }
  return hex(await crypto.subtle.digest("SHA-256", all));
}
