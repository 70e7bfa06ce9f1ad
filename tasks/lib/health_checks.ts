/**
 * The checks of the `health-check` task. Each returns its figures and a verdict:
 *
 * - `passed` / `failed`: measured, and within / beyond its threshold;
 * - `unavailable`: it could not measure (no systemd on this host, `df` missing, a path that
 *   does not exist), with the reason. The task counts it as failing: a health check that
 *   could not look must not report healthy. Remove the check from `checks` on hosts that
 *   cannot run it (e.g. `systemd-units` in a container).
 * - `skipped`: nothing to check (`systemd-units` with no `systemd_units` configured).
 *
 * A usage figure fails when it **exceeds** the threshold (`used_pct > threshold_pct`): 100
 * never fails, 0 fails on any use.
 *
 * @module
 */

import { discardSink, runTool, ToolMissingError } from "./tool_process.ts";

export type Verdict = "passed" | "failed" | "unavailable" | "skipped";

export interface DiskFigure {
  path: string;
  status: Verdict;
  filesystem?: string;
  mount?: string;
  size_bytes?: number;
  used_bytes?: number;
  available_bytes?: number;
  used_pct?: number;
  reason?: string;
}

export interface DiskCheck {
  status: Verdict;
  threshold_pct: number;
  paths: DiskFigure[];
}

export interface MemoryCheck {
  status: Verdict;
  threshold_pct: number;
  used_pct?: number;
  total_bytes?: number;
  available_bytes?: number;
  reason?: string;
}

export interface UnitFigure {
  unit: string;
  state: string;
  status: Verdict;
}

export interface SystemdCheck {
  status: Verdict;
  units: UnitFigure[];
  reason?: string;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** One `df -P -k PATH` output line (POSIX format: sizes in KiB; the mount may hold spaces). */
export function parseDfLine(stdout: string): Omit<DiskFigure, "path" | "status"> | undefined {
  const rows = stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const m = /^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+|-)%?\s+(\/.*)$/.exec(rows.at(-1) ?? "");
  if (!m || rows.length < 2) return undefined;
  const used = Number(m[3]) * 1024;
  const avail = Number(m[4]) * 1024;
  return {
    filesystem: m[1]!,
    mount: m[6]!,
    size_bytes: Number(m[2]) * 1024,
    used_bytes: used,
    available_bytes: avail,
    // df's own figure: used / (used + available), i.e. space reserved for root excluded.
    used_pct: used + avail === 0 ? 0 : round1((used / (used + avail)) * 100),
  };
}

/** Overall verdict of several figures: any failure fails, then any unavailable. */
export function combine(verdicts: Verdict[]): Verdict {
  if (verdicts.includes("failed")) return "failed";
  if (verdicts.includes("unavailable")) return "unavailable";
  if (verdicts.length === 0 || verdicts.every((v) => v === "skipped")) return "skipped";
  return "passed";
}

export async function checkDisk(
  paths: string[],
  thresholdPct: number,
  signal?: AbortSignal,
): Promise<DiskCheck> {
  const figures: DiskFigure[] = [];
  for (const path of paths) {
    try {
      const run = await runTool({
        cmd: "df",
        args: ["-P", "-k", path],
        stdoutSink: discardSink,
        stderrSink: discardSink,
        ...(signal ? { signal } : {}),
      });
      const fig = run.code === 0 ? parseDfLine(run.stdoutTail) : undefined;
      if (fig === undefined) {
        const why = run.stderrTail.trim().split("\n")[0] || `df exited with ${run.code}`;
        figures.push({ path, status: "unavailable", reason: why });
      } else {
        const status = fig.used_pct! > thresholdPct ? "failed" : "passed";
        figures.push({ path, status, ...fig });
      }
    } catch (err) {
      if (!(err instanceof ToolMissingError)) throw err;
      figures.push({ path, status: "unavailable", reason: "df is not installed" });
    }
  }
  return {
    status: combine(figures.map((f) => f.status)),
    threshold_pct: thresholdPct,
    paths: figures,
  };
}

/** Memory in use = total − available (what the kernel could hand out without swapping). */
export function checkMemory(
  thresholdPct: number,
  info: () => Deno.SystemMemoryInfo = () => Deno.systemMemoryInfo(),
): MemoryCheck {
  let mem: Deno.SystemMemoryInfo;
  try {
    mem = info();
  } catch (err) {
    if (err instanceof Deno.errors.NotCapable) throw err;
    return { status: "unavailable", threshold_pct: thresholdPct, reason: String(err) };
  }
  if (!(mem.total > 0)) {
    return { status: "unavailable", threshold_pct: thresholdPct, reason: "total memory is 0" };
  }
  const used = round1(((mem.total - mem.available) / mem.total) * 100);
  return {
    status: used > thresholdPct ? "failed" : "passed",
    threshold_pct: thresholdPct,
    used_pct: used,
    total_bytes: mem.total,
    available_bytes: mem.available,
  };
}

const ACTIVE = new Set(["active", "reloading"]);

/** Parses `systemctl is-active U1 U2 …`: one state per unit, in order; undefined otherwise. */
export function parseIsActive(units: string[], stdout: string): UnitFigure[] | undefined {
  const states = stdout.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  if (states.length !== units.length || !states.every((s) => /^[a-z-]+$/.test(s))) {
    return undefined;
  }
  return units.map((unit, i) => {
    const state = states[i]!;
    return { unit, state, status: ACTIVE.has(state) ? "passed" : "failed" };
  });
}

export async function checkSystemdUnits(
  units: string[],
  signal?: AbortSignal,
): Promise<SystemdCheck> {
  if (units.length === 0) {
    return { status: "skipped", units: [], reason: "no systemd_units configured" };
  }
  try {
    const run = await runTool({
      cmd: "systemctl",
      args: ["is-active", "--", ...units],
      stdoutSink: discardSink,
      stderrSink: discardSink,
      ...(signal ? { signal } : {}),
    });
    const figures = parseIsActive(units, run.stdoutTail);
    if (figures === undefined) {
      // e.g. "System has not been booted with systemd as init system (PID 1). Can't operate."
      const why = run.stderrTail.trim().split("\n")[0] ||
        `systemctl is-active exited with ${run.code} without reporting unit states`;
      return { status: "unavailable", units: [], reason: `systemd is not usable here: ${why}` };
    }
    return { status: combine(figures.map((f) => f.status)), units: figures };
  } catch (err) {
    if (!(err instanceof ToolMissingError)) throw err;
    return {
      status: "unavailable",
      units: [],
      reason: "systemctl is not installed: this host does not run systemd",
    };
  }
}
