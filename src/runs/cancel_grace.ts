/**
 * `cancel --grace S` reaches the run's runner: `cancel` writes the grace next to the run's log
 * (docket's own folder; no schema change) before it signals the runner, and the runner reads
 * it when the cancel arrives, so the task's group gets S seconds between SIGTERM and SIGKILL
 * instead of kill_grace_seconds. A TypeScript task's harness is told through a file in its
 * scratch dir (it can read nothing else of docket's), so its own clean-up deadline follows.
 */
import { writeFileAtomic } from "../core/atomic.ts";
import { join } from "../core/path.ts";

function path(logsDir: string, runId: string): string {
  return join(logsDir, `${runId}.cancel-grace`);
}

export function writeCancelGrace(logsDir: string, runId: string, graceMs: number): void {
  writeFileAtomic(path(logsDir, runId), String(Math.round(graceMs)), 0o600);
}

/** The grace `cancel` asked for, or undefined (then kill_grace_seconds applies). */
export function readCancelGrace(logsDir: string, runId: string): number | undefined {
  try {
    const n = Number(Deno.readTextFileSync(path(logsDir, runId)).trim());
    return Number.isFinite(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export function removeCancelGrace(logsDir: string, runId: string): void {
  try {
    Deno.removeSync(path(logsDir, runId));
  } catch {
    // none was asked for
  }
}

/**
 * Tells a TypeScript task's harness the cancel grace through `<scratch>/<name>`. The scratch dir
 * is the task's own: whatever it left at that name (a symlink to `~/.ssh/authorized_keys` or to
 * docket's config, made with an `exec` grant) is unlinked, never followed, and the file is
 * created exclusively (O_EXCL does not follow a link planted meanwhile). Measured before: a
 * non-destructive task made the runner overwrite any file docket can write, on cancel. Never
 * throws: without the file the harness keeps kill_grace_seconds.
 */
export function writeHarnessGrace(scratch: string, name: string, graceMs: number): void {
  const path = join(scratch, name);
  try {
    Deno.removeSync(path);
  } catch {
    // nothing there (or a non-empty folder: the create below fails)
  }
  try {
    const f = Deno.openSync(path, { createNew: true, write: true, mode: 0o600 });
    try {
      f.writeSync(new TextEncoder().encode(String(Math.round(graceMs))));
    } finally {
      f.close();
    }
  } catch {
    // re-planted or not creatable: the harness uses kill_grace_seconds
  }
}
