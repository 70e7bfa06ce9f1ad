/**
 * Test helpers for the built-in tasks: a fake run context and a fake `hbackup` executable.
 *
 * @module
 */

import type { TaskContext } from "../../task.ts";

export interface FakeContext extends TaskContext {
  events: { type: string; data?: Record<string, unknown> }[];
}

export function fakeCtx(opts: { dryRun?: boolean; signal?: AbortSignal } = {}): FakeContext {
  const events: FakeContext["events"] = [];
  return {
    runId: "20260101T000000000000Z-00000000",
    taskName: "test",
    dryRun: opts.dryRun ?? false,
    attempt: 1,
    scratchDir: Deno.makeTempDirSync({ prefix: "docket-scratch-" }),
    signal: opts.signal ?? new AbortController().signal,
    events,
    event(type, data) {
      events.push(data === undefined ? { type } : { type, data });
    },
  };
}

/**
 * A stand-in for hbackup 0.1.0 (github.com/ultraworkers/hbackup): the same subcommands,
 * flags, texts and streams as the real CLI (see the research notes, section 1). Each call
 * appends its argv (fields separated by U+001F) to `argv.log` beside the script; a file
 * `mode` beside it changes behaviour: `fail` (Error + Caused by, exit 1), `warn` (per-file
 * warnings), `silent` (prints one line, then nothing for a long time), `panic` (exit 101).
 */
export const FAKE_HBACKUP = String.raw`#!/usr/bin/env bash
here="$(cd "$(dirname "$0")" && pwd)"
{ for a in "$@"; do printf '%s\x1f' "$a"; done; printf '\n'; } >> "$here/argv.log"
mode="$(cat "$here/mode" 2>/dev/null || true)"
usage() { echo "Usage: hbackup <COMMAND>" >&2; echo >&2; echo "For more information, try '--help'." >&2; }
unexpected() { echo "error: unexpected argument '$1' found" >&2; echo >&2; usage; exit 2; }
[ -n "$HOME" ] || { echo "thread 'main' panicked at src/paths.rs:8:40:" >&2; echo "HOME environment variable not set" >&2; exit 101; }
[ "$mode" = panic ] && { echo "thread 'main' panicked at src/backup.rs:1:1:" >&2; exit 101; }
files=("$HOME/.hermes/state.db" "$HOME/.hermes/config.yaml" "$HOME/.openclaw/memory (copy).json")
do_backup() { # $1 = dry (0/1), $2 = output
  echo "Discovering files..." >&2
  echo "Found ${"$"}{#files[@]} files to back up" >&2
  if [ "$1" = 1 ]; then
    printf '%s\n' "${"$"}{files[@]}"
    echo "Dry run: ${"$"}{#files[@]} files would be archived" >&2
    return 0
  fi
  if [ "$mode" = silent ]; then sleep 30; fi
  if [ "$mode" = fail ]; then
    echo "Error: failed to create archive" >&2; echo >&2; echo "Caused by:" >&2
    echo "    No space left on device (os error 28)" >&2; exit 1
  fi
  if [ "$mode" = warn ]; then
    echo "Warning: SQLite backup failed for .hermes/state.db: database is locked, using direct copy" >&2
    echo "Warning: failed to add .openclaw/tmp.sock: not a regular file" >&2
  fi
  mkdir -p "$(dirname "$2")" || exit 1
  printf 'fake archive\n' > "$2"
  echo "Backup complete: $2 (${"$"}{#files[@]} files, 1.2 KB)" >&2
}
stamp() { date +%Y%m%d-%H%M%S; }
cmd="$1"; shift || true
case "$cmd" in
  backup)
    dry=0; out=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --dry-run) dry=1 ;;
        -x|--exclude) shift; [ $# -gt 0 ] || { echo "error: a value is required for '--exclude <PAT>' but none was supplied" >&2; exit 2; } ;;
        -o|--output) shift; out="$1" ;;
        *) unexpected "$1" ;;
      esac
      shift
    done
    [ -n "$out" ] || out="$HOME/backups/hermes-openclaw-backup-$(stamp).tar.zst"
    do_backup "$dry" "$out" ;;
  auto)
    [ $# -eq 0 ] || unexpected "$1"
    do_backup 0 "$HOME/backups/hermes-openclaw-backup-$(stamp).tar.zst"
    if [ -f "$HOME/.config/hbackup/config.toml" ]; then
      echo "Uploading archive via scp" >&2; echo "Upload complete." >&2
    else
      echo "No config file found at $HOME/.config/hbackup/config.toml, skipping upload." >&2
    fi ;;
  list)
    [ $# -eq 0 ] || unexpected "$1"
    if [ ! -d "$HOME/backups" ]; then echo "No backups directory found at $HOME/backups" >&2; exit 0; fi
    found=0
    for f in $(ls -tr "$HOME/backups" 2>/dev/null); do
      case "$f" in hermes-openclaw-backup-*.tar.zst) echo "1.2 KB  $f"; found=1 ;; esac
    done
    [ "$found" = 1 ] || echo "No backups found." ;;
  upload)
    archive=""; dest=""; drive=0; remote=gdrive; folder=""
    while [ $# -gt 0 ]; do
      case "$1" in
        --drive) drive=1 ;;
        --drive-remote) shift; remote="$1" ;;
        --drive-folder) shift; folder="$1" ;;
        -*) unexpected "$1" ;;
        *) if [ -z "$archive" ]; then archive="$1"; elif [ -z "$dest" ]; then dest="$1"; else unexpected "$1"; fi ;;
      esac
      shift
    done
    if [ -z "$archive" ]; then
      echo "error: the following required arguments were not provided:" >&2; echo "  <ARCHIVE>" >&2; echo >&2; usage; exit 2
    fi
    [ -f "$archive" ] || { echo "Error: Archive not found: $archive" >&2; exit 1; }
    if [ "$drive" = 1 ]; then
      echo "Uploading $archive to $remote:$folder via rclone" >&2; echo "Upload to Google Drive complete." >&2
    elif [ -n "$dest" ]; then
      echo "Uploading $archive to $dest via scp" >&2; echo "Upload complete." >&2
    else
      echo "Error: No destination provided and no config file found at $HOME/.config/hbackup/config.toml" >&2; exit 1
    fi ;;
  setup)
    comp="${"$"}{1:-drive}"
    if [ "$comp" != drive ]; then echo "Unknown setup component: $comp" >&2; exit 0; fi
    printf '%s\n' "╭──────────────────────────────╮" "│  Google Drive setup (rclone) │" "╰──────────────────────────────╯" "1. rclone config  →  new remote named gdrive" >&2 ;;
  --help|-h|help) echo "Hermes/OpenClaw backup"; echo; echo "Usage: hbackup <COMMAND>" ;;
  "") usage; exit 2 ;;
  *) echo "error: unrecognized subcommand '$cmd'" >&2; echo >&2; usage; exit 2 ;;
esac
`;

/** Writes the fake hbackup into `dir` (as `hbackup`) and returns its path. */
export function writeFakeHbackup(dir: string, mode?: "fail" | "warn" | "silent" | "panic") {
  const path = `${dir}/hbackup`;
  Deno.writeTextFileSync(path, FAKE_HBACKUP, { mode: 0o755 });
  if (mode) Deno.writeTextFileSync(`${dir}/mode`, mode);
  return path;
}

/** The argv of every call the fake received, oldest first. */
export function fakeHbackupCalls(dir: string): string[][] {
  let text = "";
  try {
    text = Deno.readTextFileSync(`${dir}/argv.log`);
  } catch {
    return [];
  }
  return text.split("\n").filter((l) => l !== "").map((l) => l.split("\x1f").slice(0, -1));
}
