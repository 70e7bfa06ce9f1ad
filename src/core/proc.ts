/**
 * Process liveness that PID reuse cannot fool: a process is identified by its pid and its
 * start time (field 22 of /proc/<pid>/stat, clock ticks since boot). Zombies count as dead
 * (PID 1 here reaps orphans late).
 */
export interface ProcessIdentity {
  pid: number;
  start: string;
}

export function processStart(pid: number): { start: string; state: string } | undefined {
  let text: string;
  try {
    text = Deno.readTextFileSync(`/proc/${pid}/stat`);
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: split after the last ')'.
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
  const state = rest[0] ?? "?";
  const start = rest[19] ?? "";
  return { start, state };
}

export function selfIdentity(): ProcessIdentity {
  return { pid: Deno.pid, start: processStart(Deno.pid)?.start ?? "" };
}

export function isAlive(pid: number | null | undefined, start?: string | null): boolean {
  if (!pid || pid <= 0) return false;
  const p = processStart(pid);
  if (!p || p.state === "Z" || p.state === "X") return false;
  return !start || p.start === start;
}

/** Live (non-zombie) members of a process group. */
export function groupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const text = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      const rest = text.slice(text.lastIndexOf(")") + 2).split(" ");
      if (rest[2] === String(pgid) && rest[0] !== "Z" && rest[0] !== "X") out.push(Number(e.name));
    } catch {
      // process went away while we looked
    }
  }
  return out;
}

export function signalGroup(pgid: number, sig: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether any process, a zombie included, is in the group: kill(-pgid, 0) delivers nothing.
 * One syscall where groupMembers reads all of /proc (2-4 ms after every run, measured).
 */
export function groupExists(pgid: number): boolean {
  try {
    Deno.kill(-pgid, 0 as unknown as Deno.Signal);
    return true;
  } catch (err) {
    return !(err instanceof Deno.errors.NotFound);
  }
}

/** SIGTERM a process group, wait up to `graceMs` for it to empty, then SIGKILL. */
export async function killGroup(pgid: number, graceMs: number): Promise<"term" | "kill" | "gone"> {
  if (!groupExists(pgid) || groupMembers(pgid).length === 0) return "gone";
  signalGroup(pgid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return "term";
    await new Promise((r) => setTimeout(r, 25));
  }
  signalGroup(pgid, "SIGKILL");
  const hard = Date.now() + 2000;
  while (Date.now() < hard && groupMembers(pgid).length > 0) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return "kill";
}

/**
 * The live processes of a task's process group that are provably the run's: the whole group
 * while its leader is still the recorded task process (same pid and start time); after the
 * leader died, the members whose environment carries this run's `DOCKET_RUN_ID` (every task
 * process gets it, and children inherit it). A reused pid never matches either test.
 */
export function taskGroupMembers(pgid: number, start: string | null, runId?: string): number[] {
  if (!start) return [];
  const members = groupMembers(pgid);
  if (isAlive(pgid, start)) return members;
  if (!runId) return [];
  const mark = `DOCKET_RUN_ID=${runId}\0`;
  return members.filter((m) => {
    try {
      return new TextDecoder().decode(Deno.readFileSync(`/proc/${m}/environ`)).includes(mark);
    } catch {
      return false;
    }
  });
}

/** SIGKILLs what is left of a dead run's task (see taskGroupMembers). */
export function killTaskLeftovers(pgid: number, start: string | null, runId?: string): number {
  const members = taskGroupMembers(pgid, start, runId);
  for (const m of members) {
    try {
      Deno.kill(m, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return members.length;
}

function parentOf(pid: number): number {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return -1;
  }
}

/**
 * Stops a jailed child (bwrap, pid `pid`, leading its group): SIGTERM to the task's processes
 * in the group — not to bwrap itself, which would die at once and take the jail down without a
 * grace — then, after `graceMs`, SIGKILL to bwrap: its init dies with it (PDEATHSIG) and the
 * kernel kills everything left in the PID namespace, `setsid` included.
 */
export async function killJail(pid: number, graceMs: number): Promise<"term" | "kill" | "gone"> {
  const inner = () => groupMembers(pid).filter((m) => m !== pid && parentOf(m) !== pid);
  if (!groupExists(pid)) return "gone";
  for (const m of inner()) {
    try {
      Deno.kill(m, "SIGTERM");
    } catch {
      // gone meanwhile
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return "term";
    await new Promise((r) => setTimeout(r, 25));
  }
  signalGroup(pid, "SIGKILL");
  const hard = Date.now() + 2000;
  while (Date.now() < hard && groupMembers(pid).length > 0) {
    await new Promise((r) => setTimeout(r, 10));
  }
  return "kill";
}

/**
 * Every live process carrying this run's `DOCKET_RUN_ID` in its environment, wherever it is
 * (a `setsid` daemon left the task's group). Reads all of /proc: only for unjailed runs.
 */
export function runProcesses(runId: string): number[] {
  const mark = new TextEncoder().encode(`DOCKET_RUN_ID=${runId}\0`);
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name) || Number(e.name) === Deno.pid) continue;
    try {
      const env = Deno.readFileSync(`/proc/${e.name}/environ`);
      if (includes(env, mark) && isAlive(Number(e.name))) out.push(Number(e.name));
    } catch {
      // gone, or not ours to read
    }
  }
  return out;
}

function includes(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}
