/** The results: machine facts, the printed table, bench/results.json. */
import type { ConcurrentResult, EventsResult } from "./load.ts";
import { mad, median, round } from "./measure.ts";

export interface Machine {
  nproc: number;
  cpu: string;
  deno: string;
  python: string;
  kernel: string;
  date: string;
  /** /proc/loadavg when the bench started: other work on the host skews every figure. */
  loadavg: string;
}

export function loadavg(): string {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

async function output(cmd: string, args: string[]): Promise<string> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    return new TextDecoder().decode(o.stdout).trim() || new TextDecoder().decode(o.stderr).trim();
  } catch {
    return "unknown";
  }
}

export async function machine(): Promise<Machine> {
  let cpu = "unknown";
  try {
    cpu = /^model name\s*:\s*(.+)$/m.exec(Deno.readTextFileSync("/proc/cpuinfo"))?.[1] ?? cpu;
  } catch {
    // not Linux
  }
  return {
    nproc: Number(await output("nproc", [])) || navigator.hardwareConcurrency,
    cpu,
    deno: (await output(Deno.execPath(), ["--version"])).split("\n")[0] ?? "unknown",
    python: await output("python3", ["--version"]),
    kernel: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    date: new Date().toISOString(),
    loadavg: loadavg(),
  };
}

export interface LatencyFigure {
  id: string;
  /** The case's key in samples_ms (what a later run compares against). */
  key: string;
  figure: string;
  /** Budget as a multiple of B, when the issue sets one. */
  target_x_b?: number;
  /** Budget in milliseconds (a cold figure whose floor is not B), when the issue sets one. */
  target_ms?: number;
  samples_ms: number[];
  /** The kept round of each sample (default: sample i is from round i). */
  rounds?: number[];
  error?: string;
}

export interface LatencyRow {
  id: string;
  key: string;
  figure: string;
  runs: number;
  median_ms: number | null;
  mad_ms: number | null;
  x_b: number | null;
  x_p: number | null;
  target: string;
  met: boolean | null;
  note?: string;
  /** × B of the same figure in the committed bench/results.json (see compare.ts). */
  committed_x_b?: number | null;
  /** Worse than the committed figure by more than REGRESSION_X_B × B. */
  regressed?: boolean;
}

/**
 * × B and × P are medians of per-round ratios: each figure's sample divided by the baseline
 * sample of the same round (taken moments apart), so load that drifts during the run cancels.
 */
export function latencyRows(figs: LatencyFigure[], b: number[], p: number[]): LatencyRow[] {
  return figs.map((f) => {
    const ratio = (base: number[]) =>
      round(
        median(f.samples_ms.map((x, i) => x / (base[f.rounds?.[i] ?? i] ?? median(base)))),
        2,
      );
    const ok = f.samples_ms.length > 0 && !f.error;
    const xb = ok ? ratio(b) : null;
    const med = ok ? round(median(f.samples_ms)) : null;
    return {
      id: f.id,
      key: f.key,
      figure: f.figure,
      runs: f.samples_ms.length,
      median_ms: med,
      mad_ms: ok ? round(mad(f.samples_ms)) : null,
      x_b: xb,
      x_p: ok ? ratio(p) : null,
      target: f.target_x_b ? `≤ ${f.target_x_b} × B` : f.target_ms ? `≤ ${f.target_ms} ms` : "-",
      met: f.target_x_b && xb !== null
        ? xb <= f.target_x_b
        : f.target_ms && med !== null
        ? med <= f.target_ms
        : null,
      ...(f.error ? { note: `not available: ${f.error}` } : {}),
    };
  });
}

function pad(cells: string[][]): string {
  const w = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join("  ").trimEnd()).join("\n");
}

const yn = (v: boolean | null) => v === null ? "-" : v ? "yes" : "NO";

export function table(
  m: Machine,
  base: { b: number; p: number },
  rows: LatencyRow[],
  ev: EventsResult,
  cc: ConcurrentResult,
): string {
  const head = [
    `docket bench — ${m.date}`,
    `machine: ${m.nproc} × ${m.cpu}; ${m.kernel}; ${m.deno}; ${m.python}`,
    `load average at start: ${m.loadavg}`,
    `B = deno run -A empty.ts: ${round(base.b)} ms   ` +
    `P = python3 -c "import click, yaml, sqlite3, json, subprocess": ${round(base.p)} ms`,
    "× B, × P: median of per-round ratios (each sample / the baseline run moments before)",
    "",
  ];
  const lat = [["#", "figure", "median", "× B", "× P", "target", "met", "vs committed"]];
  for (const r of rows) {
    const was = r.committed_x_b;
    lat.push([
      r.id,
      r.figure,
      r.median_ms === null ? "n/a" : `${r.median_ms} ms`,
      r.x_b === null ? "-" : r.x_b.toFixed(2),
      r.x_p === null ? "-" : r.x_p.toFixed(2),
      r.target,
      r.note ? r.note.slice(0, 90) : yn(r.met),
      was === undefined || was === null || r.x_b === null
        ? "-"
        : `${was.toFixed(2)}${r.regressed ? " WORSE" : ""}`,
    ]);
  }
  const ccOk = !cc.error && cc.lost === 0 && cc.database_locked === 0;
  lat.push([
    "6",
    `${ev.events_expected.toLocaleString("en")} JSONL events (median of ${ev.repetitions})`,
    ev.error ? "n/a" : `${ev.events_per_s_median.toLocaleString("en")} ev/s`,
    "-",
    "-",
    "≥ 250,000 ev/s",
    ev.error ? `not available: ${ev.error}`.slice(0, 90) : yn(ev.events_per_s_median >= 250_000),
  ]);
  lat.push([
    "6",
    "  peak RSS of docket (max)",
    ev.error ? "n/a" : `${ev.peak_rss_mb_max} MB`,
    "-",
    "-",
    "≤ 100 MB",
    ev.error ? "-" : yn(ev.peak_rss_mb_max <= 100),
  ]);
  lat.push([
    "7",
    `${cc.runs} concurrent async runs: wall`,
    cc.error && Number.isNaN(cc.wall_ms) ? "n/a" : `${cc.wall_ms} ms`,
    "-",
    "-",
    "no errors, none lost",
    cc.error
      ? (cc.available ? `NO: ${cc.error}` : `not available: ${cc.error}`).slice(0, 90)
      : `${yn(ccOk)} (locked: ${cc.database_locked}, lost: ${cc.lost})`,
  ]);
  for (const r of lat) while (r.length < lat[0]!.length) r.push("-");
  return head.join("\n") + pad(lat) + "\n";
}
