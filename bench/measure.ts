/** Spawning a command, timing it wall-clock, and summarising repeated samples. */

export interface Cmd {
  cmd: string;
  args: string[];
  /** The full environment of the child (the bench clears the rest). */
  env: Record<string, string>;
  cwd?: string;
}

export interface Sample {
  ms: number;
  code: number;
  stdout: string;
  stderr: string;
  /** Peak RSS (VmHWM) of the spawned process in kB, when polled. */
  hwmKb?: number;
}

const dec = new TextDecoder();

/** Runs `c` to completion; wall time covers spawn to exit (output fully read). */
export async function timeOnce(c: Cmd, opts: { pollRss?: boolean } = {}): Promise<Sample> {
  const t0 = performance.now();
  const child = new Deno.Command(c.cmd, {
    args: c.args,
    env: c.env,
    clearEnv: true,
    ...(c.cwd ? { cwd: c.cwd } : {}),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let hwmKb: number | undefined;
  let polling = opts.pollRss === true;
  const poller = polling
    ? (async () => {
      while (polling) {
        const kb = readHwmKb(child.pid);
        if (kb !== undefined) hwmKb = Math.max(hwmKb ?? 0, kb);
        await new Promise((r) => setTimeout(r, 2));
      }
    })()
    : Promise.resolve();
  const out = await child.output();
  const ms = performance.now() - t0;
  polling = false;
  await poller;
  return {
    ms,
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
    ...(hwmKb !== undefined ? { hwmKb } : {}),
  };
}

/** VmHWM (peak resident set) of a live process in kB; undefined once it has exited. */
export function readHwmKb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(Deno.readTextFileSync(`/proc/${pid}/status`));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

export function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median absolute deviation: a spread that one slow outlier does not dominate. */
export function mad(xs: number[]): number {
  const m = median(xs);
  return median(xs.map((x) => Math.abs(x - m)));
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** A case of the latency table: one command, optional untimed steps around each sample. */
export interface Case {
  key: string;
  cmd: Cmd;
  /** Untimed, before each sample (e.g. drop a cache for a "first call" figure). */
  prepare?: () => void | Promise<void>;
  /** Checks a sample; returns an error message when the command did not do its job. */
  check?: (s: Sample) => string | undefined;
  /** Untimed, after each successful sample (e.g. wait for an async run to end). */
  after?: (s: Sample) => void | Promise<void>;
  /** Sample only every n-th kept round (a slow figure: keeps the bench under a minute). */
  every?: number;
}

export interface CaseResult {
  key: string;
  samples: number[];
  /** The kept round (0-based) of each sample: its ratio is to that round's baseline. */
  rounds: number[];
  /** Why the case could not be measured (its first failing sample), if it could not. */
  error?: string;
}

/**
 * Runs all cases round-robin (`warmup` rounds discarded, then `rounds` kept), so that the
 * baselines and the figures see the same machine state; a case that fails once is dropped.
 */
export async function runRounds(
  cases: Case[],
  o: { warmup: number; rounds: number; onRound?: (i: number) => void },
): Promise<Map<string, CaseResult>> {
  const res = new Map(
    cases.map((c) => [c.key, { key: c.key, samples: [], rounds: [] } as CaseResult]),
  );
  for (let round = 0; round < o.warmup + o.rounds; round++) {
    for (const c of cases) {
      const r = res.get(c.key)!;
      if (r.error) continue;
      const kept = round - o.warmup;
      // A sparse case runs in one warm-up round and in every n-th kept one.
      if (c.every && (kept < 0 ? kept !== -1 : kept % c.every !== 0)) continue;
      try {
        await c.prepare?.();
        const s = await timeOnce(c.cmd);
        const problem = s.code !== 0 && !c.check
          ? `exit code ${s.code}: ${firstLine(s.stdout, s.stderr)}`
          : c.check?.(s);
        if (problem) {
          r.error = problem;
          continue;
        }
        if (kept >= 0) {
          r.samples.push(s.ms);
          r.rounds.push(kept);
        }
        await c.after?.(s);
      } catch (err) {
        r.error = err instanceof Error ? err.message : String(err);
      }
    }
    o.onRound?.(round);
  }
  return res;
}

export function firstLine(...texts: string[]): string {
  for (const t of texts) {
    try {
      const j = JSON.parse(t);
      if (j?.error?.message) return `${j.error.kind}: ${j.error.message}`;
    } catch {
      // not JSON
    }
    const l = t.split("\n").find((x) => x.trim());
    if (l) return l.trim().slice(0, 200);
  }
  return "(no output)";
}
