/**
 * How much of a run's output docket keeps. A task with no grants at all (auto-approvable
 * through MCP) wrote a 300 MB log in 4 s (measured), and its events go to the state DB
 * without bound: either could fill docket's own disk, after which no run, spool or DB write
 * succeeds. Past the budget output is still drained (the task never blocks on a full pipe) but
 * not kept, and the run's details say how much was dropped.
 */

/** 256 MiB of log per run, or `DOCKET_MAX_LOG_BYTES` (tests lower it). */
export function maxLogBytes(): number {
  return envInt("DOCKET_MAX_LOG_BYTES", 256 * 1024 * 1024);
}

/** 100,000 stored events per run, or `DOCKET_MAX_EVENTS`. */
export function maxEvents(): number {
  return envInt("DOCKET_MAX_EVENTS", 100_000);
}

function envInt(name: string, fallback: number): number {
  const raw = Deno.env.get(name)?.trim();
  const v = raw ? Number(raw) : NaN;
  return Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/** The marker written once where a log stops. */
export function logCutMarker(limit: number): Uint8Array {
  return new TextEncoder().encode(
    `\n[docket] log limit reached (${limit} bytes): further output of this run is not kept\n`,
  );
}
