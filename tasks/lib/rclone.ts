/**
 * rclone for the `backup` task: the argv of a `sync`, and the parser of its final stats.
 *
 * Output flags, chosen for a run nobody watches: `--use-json-log` makes every log line one JSON
 * object on stderr, and each stats line carries a `stats` object (the shape of rc
 * `core/stats`: `bytes`, `transfers`, `errors`, `checks`, `deletes`…), so the final figures are
 * read exactly instead of scraped from text; `--stats Ns --stats-one-line` keeps one short
 * line per interval, so docket's idle timeout sees activity during long transfers;
 * `--stats-log-level NOTICE` shows those lines without `-v`'s line per copied file (add `-v`
 * to `extra_args` to get them). No `-P`: it redraws a block every 500 ms into the log.
 *
 * @module
 */

export interface RcloneArgsInput {
  source: string;
  remote: string;
  excludes: readonly string[];
  extraArgs: readonly string[];
  dryRun: boolean;
  statsSeconds: number;
}

/** `rclone sync SOURCE REMOTE --stats … [--exclude P]… [--dry-run] [extra_args…]`. */
export function rcloneArgs(i: RcloneArgsInput): string[] {
  return [
    "sync",
    i.source,
    i.remote,
    "--stats",
    `${i.statsSeconds}s`,
    "--stats-one-line",
    "--stats-log-level",
    "NOTICE",
    "--use-json-log",
    ...i.excludes.flatMap((p) => ["--exclude", p]),
    ...(i.dryRun ? ["--dry-run"] : []),
    ...i.extraArgs,
  ];
}

/**
 * The stats interval: 10 s, or a third of the idle timeout when that is shorter, so that at
 * least three stats lines fit into one idle window.
 */
export function statsSecondsFor(idleTimeoutSeconds: number | null | undefined): number {
  if (!idleTimeoutSeconds || idleTimeoutSeconds <= 0) return 10;
  return Math.max(1, Math.min(10, Math.floor(idleTimeoutSeconds / 3)));
}

/** rclone's final accounting, from the last stats line. */
export interface RcloneStats {
  files_transferred: number;
  bytes_transferred: number;
  errors: number;
  checks: number;
  deletes: number;
  renames: number;
  total_bytes: number;
  elapsed_seconds: number;
  last_error?: string;
}

export interface RcloneOutput {
  stats: RcloneStats | undefined;
  /** Messages of ERROR-level lines, the last few. */
  error_messages: string[];
  /** A final plain-text line such as `Failed to sync: directory not found`. */
  fatal: string | undefined;
}

const MAX_MESSAGES = 5;

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function toStats(s: Record<string, unknown>): RcloneStats {
  const out: RcloneStats = {
    files_transferred: num(s.transfers),
    bytes_transferred: num(s.bytes),
    errors: num(s.errors),
    checks: num(s.checks),
    deletes: num(s.deletes),
    renames: num(s.renames),
    total_bytes: num(s.totalBytes),
    elapsed_seconds: Math.round(num(s.elapsedTime) * 1000) / 1000,
  };
  if (typeof s.lastError === "string" && s.lastError !== "") out.last_error = s.lastError;
  return out;
}

/** Parses rclone's stderr (JSON log lines, plus the odd plain line) for stats and errors. */
export function parseRcloneOutput(stderr: string): RcloneOutput {
  let stats: RcloneStats | undefined;
  const errors: string[] = [];
  let fatal: string | undefined;
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "") continue;
    if (line.startsWith("{")) {
      let rec: unknown;
      try {
        rec = JSON.parse(line);
      } catch {
        continue; // the tail may start in the middle of a line
      }
      if (typeof rec !== "object" || rec === null) continue;
      const r = rec as Record<string, unknown>;
      if (typeof r.stats === "object" && r.stats !== null) {
        stats = toStats(r.stats as Record<string, unknown>);
      }
      if (r.level === "error" && typeof r.msg === "string") {
        const obj = typeof r.object === "string" ? `${r.object}: ` : "";
        errors.push(`${obj}${r.msg}`);
        if (errors.length > MAX_MESSAGES) errors.shift();
      }
      continue;
    }
    // Plain lines are written before logging is set up or at the very end:
    // "2026/11/27 02:25:12 Failed to sync: directory not found".
    const m = /^(?:\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d )?(?:[A-Z]+\s*: )?(.*)$/.exec(line);
    const text = m?.[1] ?? line;
    if (/^(Failed to|Fatal error|Error|Usage)/i.test(text)) fatal = text;
  }
  return { stats, error_messages: errors, fatal };
}

/**
 * True unless an rclone path is surely local. rclone reads `name:path`, a connection string
 * `name,opt=v:path` and an on-the-fly `:backend[,opt=v]:path` as remotes; the remote's name is
 * the text before the first `,` or `:`, and a name holding `/` makes the whole thing a local
 * path (`dir/a:b`). Only `:local:` among on-the-fly backends stays on this host. A configured
 * `name:` may be a local alias, but docket cannot tell from here, so it counts as a remote:
 * when in doubt a task is reported `network: true`, never the reverse.
 */
export function isRcloneRemote(path: string): boolean {
  if (path.startsWith("/") || path.startsWith("./") || path.startsWith("../")) return false;
  if (path.startsWith("~")) return false;
  const onTheFly = path.startsWith(":");
  const rest = onTheFly ? path.slice(1) : path;
  if (!onTheFly && !rest.includes(":")) return false; // no remote syntax: a local name
  const end = rest.search(/[,:]/);
  if (end < 0) return true; // ":x" without a terminator: not a path docket can read
  const name = rest.slice(0, end);
  if (onTheFly) return name !== "local";
  if (name === "") return true;
  return !name.includes("/");
}
