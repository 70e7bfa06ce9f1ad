/**
 * The `DOCKET_*` variables a hook sees, bounded so the exec cannot fail, and the file with the
 * run's full details (`DOCKET_DETAILS_FILE`).
 */
export interface RunOutcome {
  runId: string;
  taskName: string;
  /** succeeded | failed | cancelled | timeout | lost | dry_run */
  status: string;
  exitCode: number;
  summary: string;
  details: Record<string, unknown>;
  logPath?: string;
  durationMs: number;
}

/**
 * Longest value of a `DOCKET_*` variable, in bytes. Linux refuses an exec whose single
 * environment string exceeds MAX_ARG_STRLEN (128 KiB): measured, 70 KB of task output in the
 * details or a 153 KB summary made every hook fail with "Argument list too long".
 */
export const MAX_VAR_BYTES = 32 * 1024;

/** The environment a hook sees: the base environment plus the `DOCKET_*` run variables. */
export function hookEnv(
  outcome: RunOutcome,
  baseEnv: Record<string, string>,
  detailsFile?: string,
): Record<string, string> {
  const env: Record<string, string> = { ...baseEnv };
  // An inherited value (docket running inside a docket task) must not pose as this run's log.
  delete env.DOCKET_LOG_PATH;
  delete env.DOCKET_DETAILS_FILE;
  const details = detailsJson(outcome.details);
  const vars: Record<string, string> = {
    DOCKET_RUN_ID: outcome.runId,
    DOCKET_TASK_NAME: outcome.taskName,
    DOCKET_STATUS: outcome.status,
    DOCKET_EXIT_CODE: String(outcome.exitCode),
    DOCKET_SUMMARY: boundText(escapeNul(outcome.summary)),
    // Cut JSON is no JSON: past the bound it is a small object that says where the rest is.
    DOCKET_DETAILS_JSON: byteLength(details) <= MAX_VAR_BYTES ? details : JSON.stringify({
      docket_truncated: true,
      bytes: byteLength(details),
      ...(detailsFile ? { details_file: detailsFile } : {}),
    }),
  };
  if (outcome.logPath !== undefined) vars.DOCKET_LOG_PATH = outcome.logPath;
  if (detailsFile !== undefined) vars.DOCKET_DETAILS_FILE = detailsFile;
  // The OS cannot carry NUL in an environment value: it is written `\u0000`, as the JSON
  // variables (and DOCKET_DETAILS_FILE) write it, so no text is silently cut.
  for (const [k, v] of Object.entries(vars)) env[k] = escapeNul(v);
  return env;
}

const byteLength = (s: string) => new TextEncoder().encode(s).length;

/** `s` cut to MAX_VAR_BYTES (at a character boundary) with a marker saying how much it was. */
export function boundText(s: string): string {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length <= MAX_VAR_BYTES) return s;
  const marker = ` …[truncated by docket: ${bytes.length} bytes in all]`;
  let end = MAX_VAR_BYTES - byteLength(marker);
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return new TextDecoder().decode(bytes.subarray(0, end)) + marker;
}

/** The run's full details for hooks, in a private file (removed once the hooks are done). */
export function writeDetailsFile(details: Record<string, unknown>): string | undefined {
  try {
    const path = Deno.makeTempFileSync({ prefix: "docket-details-", suffix: ".json" }); // 0600
    Deno.writeTextFileSync(path, detailsJson(details));
    return path;
  } catch {
    return undefined; // no temp dir: hooks still get the (bounded) variables
  }
}

/** NUL as the six characters `\u0000` (an environment value cannot hold the byte). */
export function escapeNul(v: string): string {
  return v.replaceAll("\0", "\\u0000");
}

function detailsJson(details: Record<string, unknown>): string {
  try {
    return JSON.stringify(details ?? {}) ?? "{}";
  } catch {
    return "{}"; // cycles or BigInt: a hook still gets valid JSON
  }
}
