/**
 * How the built-in tasks map a tool's exit code to docket's outcome.
 *
 * `ok` and `warning` make the task succeed (a warning is reported in `details.warnings` and
 * the summary); `failed` makes it fail. `retryable` is a hint in `details.retryable` for
 * agents and operators: docket's own `retry` setting still decides whether a failed run is
 * retried. A tool ended by a signal (docket's idle timeout or `cancel`) is always `failed`.
 *
 * | tool    | exit | outcome | meaning                                                          |
 * |---------|------|---------|------------------------------------------------------------------|
 * | rclone  | 0    | ok      | success                                                          |
 * | rclone  | 1    | failed  | error not otherwise categorised (usage error before v1.69)       |
 * | rclone  | 2    | failed  | syntax or usage error (uncategorised error before v1.69)         |
 * | rclone  | 3    | failed  | directory not found                                              |
 * | rclone  | 4    | failed  | file not found                                                   |
 * | rclone  | 5    | failed  | temporary error, more retries might fix it (retryable)           |
 * | rclone  | 6    | failed  | less serious errors (NoRetry errors)                             |
 * | rclone  | 7    | failed  | fatal error: retries will not help                               |
 * | rclone  | 8    | failed  | transfer limit (`--max-transfer`) reached                        |
 * | rclone  | 9    | ok      | success, no files transferred (`--error-on-no-transfer`)         |
 * | rclone  | 10   | failed  | duration limit (`--max-duration`) reached                        |
 * | rsync   | 0    | ok      | success                                                          |
 * | rsync   | 24   | warning | partial transfer: source files vanished (normal on live data)    |
 * | rsync   | 23   | failed  | partial transfer due to error (e.g. unreadable files)            |
 * | rsync   | 20   | failed  | received SIGINT, SIGTERM or SIGHUP                               |
 * | rsync   | 30   | failed  | timeout in data send/receive (retryable)                         |
 * | rsync   | 35   | failed  | timeout waiting for daemon connection (retryable)                |
 * | rsync   | 10   | failed  | error in socket I/O (retryable)                                  |
 * | rsync   | 1-22 | failed  | usage, protocol, file selection, I/O, IPC, memory errors (below) |
 * | rsync   | 25   | failed  | `--max-delete` limit stopped deletions                           |
 * | hbackup | 0    | ok      | success (also: `auto` skipped its upload, `list` found no dir)   |
 * | hbackup | 1    | failed  | error (archive, upload, missing rclone/config…)                  |
 * | hbackup | 2    | failed  | usage error (unknown flag, missing argument)                     |
 * | hbackup | 101  | failed  | hbackup panicked (e.g. HOME unset)                               |
 * | any     | else | failed  | unknown exit code                                                |
 *
 * @module
 */

export type ExitOutcome = "ok" | "warning" | "failed";
export type ExitTool = "rclone" | "rsync" | "hbackup";

export interface ExitInfo {
  outcome: ExitOutcome;
  meaning: string;
  retryable: boolean;
}

type Table = Record<number, ExitInfo>;

const ok = (meaning: string): ExitInfo => ({ outcome: "ok", meaning, retryable: false });
const fail = (meaning: string, retryable = false): ExitInfo => ({
  outcome: "failed",
  meaning,
  retryable,
});

const RCLONE: Table = {
  0: ok("success"),
  1: fail("error not otherwise categorised (usage error before rclone v1.69)"),
  2: fail("syntax or usage error (uncategorised error before rclone v1.69)"),
  3: fail("directory not found"),
  4: fail("file not found"),
  5: fail("temporary error, more retries might fix it", true),
  6: fail("less serious errors (NoRetry errors)"),
  7: fail("fatal error, retries will not help"),
  8: fail("transfer limit (--max-transfer) reached"),
  9: ok("success, no files transferred"),
  10: fail("duration limit (--max-duration) reached"),
};

const RSYNC: Table = {
  0: ok("success"),
  1: fail("syntax or usage error"),
  2: fail("protocol incompatibility"),
  3: fail("errors selecting input/output files or directories"),
  4: fail("requested action not supported"),
  5: fail("error starting client-server protocol", true),
  6: fail("daemon unable to append to log file"),
  10: fail("error in socket I/O", true),
  11: fail("error in file I/O"),
  12: fail("error in rsync protocol data stream", true),
  13: fail("errors with program diagnostics"),
  14: fail("error in IPC code"),
  15: fail("sibling process crashed"),
  16: fail("sibling process terminated abnormally"),
  19: fail("received SIGUSR1"),
  20: fail("received SIGINT, SIGTERM or SIGHUP"),
  21: fail("some error returned by waitpid()"),
  22: fail("error allocating core memory buffers"),
  23: fail("partial transfer due to error"),
  24: {
    outcome: "warning",
    meaning: "partial transfer due to vanished source files",
    retryable: false,
  },
  25: fail("--max-delete limit stopped deletions"),
  30: fail("timeout in data send/receive", true),
  35: fail("timeout waiting for daemon connection", true),
};

const HBACKUP: Table = {
  0: ok("success"),
  1: fail("hbackup reported an error"),
  2: fail("usage error (unknown flag or missing argument)"),
  101: fail("hbackup panicked"),
};

const TABLES: Record<ExitTool, Table> = { rclone: RCLONE, rsync: RSYNC, hbackup: HBACKUP };

/** Classifies how a tool ended: by its exit code, or by a signal when `code` is null. */
export function classifyExit(
  tool: ExitTool,
  code: number | null,
  signal: string | null = null,
): ExitInfo {
  if (code === null) {
    return fail(`ended by signal ${signal ?? "unknown"}`);
  }
  return TABLES[tool][code] ?? fail(`unknown exit code ${code}`);
}
