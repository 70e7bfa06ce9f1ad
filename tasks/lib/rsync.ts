/**
 * rsync for the `backup` task: the argv of a mirror, and the parsers of its output.
 *
 * `-a --delete SOURCE/ REMOTE` makes REMOTE a mirror of SOURCE's contents, like `rclone sync`
 * (the trailing slash copies the directory's contents, not the directory; excluded files at
 * the destination are kept). `--info=progress2` prints one whole-transfer progress line that
 * is rewritten with `\r` about once a second while data moves, which keeps docket's idle
 * timeout fed; `--stats` prints the final figures parsed into `details`; `--no-h` prints plain
 * numbers (no locale-dependent thousands separators). A dry run adds `--dry-run
 * --itemize-changes`, so the log lists every change rsync would make.
 *
 * @module
 */

export interface RsyncArgsInput {
  source: string;
  remote: string;
  excludes: readonly string[];
  extraArgs: readonly string[];
  dryRun: boolean;
}

/** `rsync -a --delete … [--exclude=P]… [extra_args…] SOURCE/ REMOTE`. */
export function rsyncArgs(i: RsyncArgsInput): string[] {
  return [
    "-a",
    "--delete",
    "--info=progress2",
    "--stats",
    "--no-h",
    ...(i.dryRun ? ["--dry-run", "--itemize-changes"] : []),
    ...i.excludes.map((p) => `--exclude=${p}`),
    // rsync stops reading options at the first operand, so extra_args go before them.
    ...i.extraArgs,
    i.source.endsWith("/") ? i.source : `${i.source}/`,
    i.remote,
  ];
}

/** rsync's `--stats` block. */
export interface RsyncStats {
  files_total: number;
  files_created: number;
  files_deleted: number;
  files_transferred: number;
  total_size_bytes: number;
  bytes_transferred: number;
  bytes_sent: number;
  bytes_received: number;
}

const FIELDS: ReadonlyArray<[RegExp, keyof RsyncStats]> = [
  [/^Number of files: ([\d,.]+)/, "files_total"],
  [/^Number of created files: ([\d,.]+)/, "files_created"],
  [/^Number of deleted files: ([\d,.]+)/, "files_deleted"],
  [/^Number of regular files transferred: ([\d,.]+)/, "files_transferred"],
  [/^Total file size: ([\d,.]+)/, "total_size_bytes"],
  [/^Total transferred file size: ([\d,.]+)/, "bytes_transferred"],
  [/^Total bytes sent: ([\d,.]+)/, "bytes_sent"],
  [/^Total bytes received: ([\d,.]+)/, "bytes_received"],
];

/** Parses the `--stats` block from rsync's stdout; undefined when it is absent. */
export function parseRsyncStats(stdout: string): RsyncStats | undefined {
  const found: Partial<RsyncStats> = {};
  let any = false;
  for (const raw of stdout.split(/\r\n|\r|\n/)) {
    const line = raw.trim();
    for (const [re, key] of FIELDS) {
      const m = re.exec(line);
      if (m) {
        // Integers only: any separator (",", ".", " " in some locales) is dropped.
        found[key] = Number(m[1]!.replace(/[^\d]/g, ""));
        any = true;
      }
    }
  }
  if (!any) return undefined;
  return {
    files_total: found.files_total ?? 0,
    files_created: found.files_created ?? 0,
    files_deleted: found.files_deleted ?? 0,
    files_transferred: found.files_transferred ?? 0,
    total_size_bytes: found.total_size_bytes ?? 0,
    bytes_transferred: found.bytes_transferred ?? 0,
    bytes_sent: found.bytes_sent ?? 0,
    bytes_received: found.bytes_received ?? 0,
  };
}

const MAX_MESSAGES = 5;

/**
 * Counts rsync's stderr diagnostics while it runs (the output can be longer than any tail):
 * each `rsync: …` line is one error (a file or directory it could not handle), `file has
 * vanished: …` lines are warnings, and the closing `rsync error: … (code N)` line is kept as
 * the failure's one-line reason.
 */
export class RsyncDiagnostics {
  errors = 0;
  vanished = 0;
  readonly error_messages: string[] = [];
  readonly vanished_files: string[] = [];
  final_error: string | undefined;

  line(stream: "stdout" | "stderr", line: string): void {
    if (stream !== "stderr") return;
    const text = line.trim();
    if (text === "" || text.startsWith("rsync warning:")) return;
    const vanished = /file has vanished: "?(.*?)"?(?: \(in [^)]*\))?$/.exec(text);
    if (vanished) {
      this.vanished++;
      if (this.vanished_files.length < MAX_MESSAGES) this.vanished_files.push(vanished[1]!);
      return;
    }
    if (text.startsWith("rsync error:")) {
      this.final_error = text.replace(/^rsync error: /, "");
      return;
    }
    if (text.startsWith("rsync:")) {
      this.errors++;
      this.error_messages.push(text.replace(/^rsync: /, ""));
      if (this.error_messages.length > MAX_MESSAGES) this.error_messages.shift();
    }
  }
}

/**
 * True when an rsync path names another host (`host:path`, `user@host:path`, `host::module`,
 * `rsync://…`), false for a local path. As in rsync, a colon after the first slash is part
 * of a local path.
 */
export function isRsyncRemote(path: string): boolean {
  if (path.startsWith("rsync://")) return true;
  const colon = path.indexOf(":");
  const slash = path.indexOf("/");
  return colon > 0 && (slash === -1 || colon < slash);
}
