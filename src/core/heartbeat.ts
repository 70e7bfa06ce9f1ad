/** How often a runner beats, and when a missed beat means it is gone (env-tunable for tests). */

/** How often a runner touches its heartbeat: 5 s, or `DOCKET_HEARTBEAT_MS` (tests lower it). */
export function heartbeatMs(): number {
  const raw = Deno.env.get("DOCKET_HEARTBEAT_MS")?.trim();
  const v = raw ? Number(raw) : NaN;
  return Number.isInteger(v) && v >= 50 && v <= 600_000 ? v : 5000;
}

/** A heartbeat older than this (six beats missed) means the runner is gone. */
export function staleAfterMs(): number {
  return 6 * heartbeatMs();
}
