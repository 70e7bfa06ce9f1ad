/**
 * Whether a run's runner is alive. A pid and its start time identify a process only inside one
 * PID namespace: a run started in a container sharing the home has a pid that means another
 * process here (measured: such a run was marked lost from outside and its lock taken while it
 * ran). So each run records its runner's namespace; for runs of another namespace the runner
 * keeps a heartbeat file next to the log fresh, and it is gone when the heartbeat is stale.
 */
import { isAlive } from "../core/proc.ts";
import { heartbeatMs, staleAfterMs } from "../core/heartbeat.ts";
import type { LockHolder, RunRow } from "../core/store.ts";

let ns: string | null | undefined;

/** This process's PID namespace (`pid:[inode]` of /proc/self/ns/pid), or null if unknown. */
export function pidNamespace(): string | null {
  if (ns === undefined) {
    try {
      ns = Deno.readLinkSync("/proc/self/ns/pid");
    } catch {
      ns = null;
    }
  }
  return ns;
}

/** Whether a run was started in another PID namespace (its pids mean nothing here). */
export function foreignRun(r: Pick<RunRow, "runner_ns" | "host_alive">): boolean {
  // another host's run (a shared store says so): its pids mean nothing here
  if (r.host_alive !== undefined) return true;
  const here = pidNamespace();
  return r.runner_ns !== null && here !== null && r.runner_ns !== here;
}

/** `<logs_dir>/<run_id>.heartbeat` for `<logs_dir>/<run_id>.log`. */
export function heartbeatPath(logPath: string): string {
  return logPath.replace(/\.log$/, "") + ".heartbeat";
}

export { heartbeatMs, staleAfterMs } from "../core/heartbeat.ts";

/**
 * Whether the run's runner is alive, judged as its namespace allows. For a foreign run without
 * a heartbeat file, its start counts as a beat (a runner is still starting) unless `strict`.
 */
export function runnerAlive(r: RunRow, strict = false): boolean {
  // Another host's runner: the shared store judged its heartbeat by the server's clock.
  if (r.host_alive !== undefined) return r.host_alive;
  if (!foreignRun(r)) return isAlive(r.runner_pid, r.runner_start);
  let beat = strict ? -Infinity : Date.parse(r.started_at);
  try {
    if (r.log_path) {
      beat = Math.max(beat, Deno.statSync(heartbeatPath(r.log_path)).mtime?.getTime() ?? 0);
    }
  } catch {
    // no heartbeat (yet, or any more)
  }
  return Date.now() - beat < staleAfterMs();
}

const pending = new Set<() => void>();

/**
 * Starts the periodic beat of every heartbeat started in this process. Called once the task's
 * child is spawned, before a retry's wait and before the hooks: whatever lasts longer than a
 * beat happens after one of these.
 */
export function armHeartbeat(): void {
  for (const arm of pending) arm();
  pending.clear();
}

/**
 * Touches the run's heartbeat file every heartbeatMs until stopped (then removes it): once at
 * once, then periodically from armHeartbeat on.
 */
export function startHeartbeat(logPath: string): () => void {
  const path = heartbeatPath(logPath);
  let file: Deno.FsFile | undefined;
  try {
    // Exclusive create: never through a link planted at the path (logs_dir is private anyway).
    try {
      Deno.removeSync(path);
    } catch {
      // not there
    }
    file = Deno.openSync(path, { createNew: true, write: true, mode: 0o600 });
  } catch {
    return () => {}; // no heartbeat: same-namespace liveness still works
  }
  const beat = () => {
    try {
      const now = new Date();
      file!.utimeSync(now, now);
    } catch {
      // a full or read-only disk: the next beat tries again
    }
  };
  beat();
  // The interval is armed once the child has been spawned (armHeartbeat), not here: the first
  // timer loads Deno's node-compatible timers (~6 ms CPU, measured for issue 21), which then
  // overlaps the child's start-up instead of delaying it. The file's first beat is now.
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const arm = () => {
    if (stopped || timer !== undefined) return;
    const t = setInterval(beat, heartbeatMs());
    Deno.unrefTimer(t);
    timer = t;
  };
  pending.add(arm);
  return () => {
    stopped = true;
    pending.delete(arm);
    if (timer !== undefined) clearInterval(timer);
    file!.close();
    try {
      Deno.removeSync(path);
    } catch {
      // already gone
    }
  };
}

/** Whether a lock's holder is alive: its run says which namespace its pid belongs to. */
export function holderAlive(getRun: (id: string) => RunRow | undefined, h: LockHolder): boolean {
  const run = getRun(h.run_id);
  return run && foreignRun(run) ? runnerAlive(run) : isAlive(h.pid, h.pid_start);
}
