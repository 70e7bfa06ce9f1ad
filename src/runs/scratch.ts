/**
 * A TypeScript task's scratch dir (`$TMPDIR/docket-<run_id>-*`) may hold secrets: the runner
 * removes it after each attempt, and whoever records a run whose runner died (lost, or killed
 * by `cancel`) removes what is left.
 */
import { isRunId } from "../core/ids.ts";
import { join } from "../core/path.ts";

function tmpDirs(): string[] {
  const dirs = new Set(["/tmp"]);
  const t = Deno.env.get("TMPDIR");
  if (t && t.startsWith("/")) dirs.add(t.replace(/\/+$/, "") || "/");
  return [...dirs];
}

/** Removes the scratch dirs left by run `runId`; returns how many. */
export function removeScratch(runId: string): number {
  if (!isRunId(runId)) return 0;
  const prefix = `docket-${runId}-`;
  const uid = Deno.uid();
  let n = 0;
  for (const dir of tmpDirs()) {
    let entries: Deno.DirEntry[];
    try {
      entries = [...Deno.readDirSync(dir)];
    } catch {
      continue;
    }
    for (const e of entries) {
      if (!e.name.startsWith(prefix) || !e.isDirectory || e.isSymlink) continue;
      const path = join(dir, e.name);
      try {
        const st = Deno.lstatSync(path);
        if (!st.isDirectory || (uid !== null && st.uid !== uid)) continue; // not ours
        Deno.removeSync(path, { recursive: true });
        n++;
      } catch {
        // gone meanwhile
      }
    }
  }
  return n;
}
