/**
 * Who may talk to `docket ui`. Reads: any client that reaches the socket and names this
 * server in its Host header (a DNS-rebinding page names its own host and is refused).
 * Actions: a POST carrying the token printed at start in `X-Docket-Token` (a header, so no
 * other site's form or image can send it, and no cookie a browser would attach by itself),
 * from no other origin. No CORS headers are ever sent: another origin cannot read a reply or
 * pass a preflight for the custom header.
 */

const LOOPBACK_NAMES = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** A bind address docket accepts: an IP literal or `localhost` (allow-list). */
export function parseBind(v: string): { host: string; loopback: boolean; wildcard: boolean } {
  const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
  const ipv6 = /^[0-9a-fA-F:]+$/;
  if (v === "localhost") return { host: "127.0.0.1", loopback: true, wildcard: false };
  if (ipv4.test(v)) {
    return { host: v, loopback: v.startsWith("127."), wildcard: v === "0.0.0.0" };
  }
  if (ipv6.test(v) && v.includes(":")) {
    return { host: v, loopback: v === "::1", wildcard: v === "::" };
  }
  throw new Error(`not an IP address`);
}

/** The Host header values this server answers to. */
export function hostAllowed(host: string | null, bind: string, port: number): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-fA-F:]+\]|[^:\[\]]+):(\d+)$/.exec(host);
  if (!m || Number(m[2]) !== port) return false;
  const name = m[1]!.toLowerCase();
  if (LOOPBACK_NAMES.has(name) || /^127\.\d+\.\d+\.\d+$/.test(name)) return true;
  const bound = bind.includes(":") ? `[${bind.toLowerCase()}]` : bind;
  if (name === bound) return true;
  // A wildcard bind answers on any of the host's addresses: IP literals only, never a name
  // (a rebinding attack needs a name it controls).
  const wildcard = bind === "0.0.0.0" || bind === "::";
  return wildcard && (/^\d+\.\d+\.\d+\.\d+$/.test(name) || name.startsWith("["));
}

/** A state-changing request from another origin (or a cross-site fetch) is refused. */
export function sameOrigin(req: Request): boolean {
  const origin = req.headers.get("origin");
  const host = req.headers.get("host");
  if (origin !== null && origin !== `http://${host}`) return false;
  const site = req.headers.get("sec-fetch-site");
  return site === null || site === "same-origin" || site === "none";
}

/** Constant-time comparison of the presented token with ours. */
export function tokenOk(req: Request, token: string): boolean {
  const got = req.headers.get("x-docket-token") ?? "";
  const a = new TextEncoder().encode(got);
  const b = new TextEncoder().encode(token);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i] ?? 0) ^ b[i]!;
  return diff === 0 && token.length > 0;
}

export function newToken(): string {
  const b = crypto.getRandomValues(new Uint8Array(24));
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Sent with every response. Scripts and styles only from docket itself; nothing framed. */
export const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; " +
    "img-src 'self'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; " +
    "base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "cross-origin-resource-policy": "same-origin",
};
