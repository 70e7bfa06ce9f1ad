/**
 * Built-in task `health-check`: disk usage (`df -P -k` on each of `disk_paths`), memory usage
 * (`Deno.systemMemoryInfo`) and systemd unit states (`systemctl is-active`).
 *
 * Each check's figures and verdict are in `details.checks`; the task fails when any check
 * fails **or is unavailable** (see `lib/health_checks.ts` for why), and the summary names
 * those checks. The checks only read, so a dry run runs them too.
 *
 * Grants, from the checks configured: `exec: ["df"]` for disk (rather than `node:fs` statfs,
 * which would need read access to every checked path, `/` included), `sys:
 * ["systemMemoryInfo"]` for memory, `exec: ["systemctl"]` for systemd-units with units listed.
 *
 * @module
 */

import { defineTask, type TaskConfig, type TaskContext, type TaskGrants } from "../task.ts";
import { ConfigValueError, optNumber, stringList } from "./lib/config_read.ts";
import { TASK_LIB_DIR } from "./lib/own_code.ts";
import { formatPct } from "./lib/format.ts";
import {
  checkDisk,
  checkMemory,
  checkSystemdUnits,
  type DiskCheck,
  type MemoryCheck,
  type SystemdCheck,
  type Verdict,
} from "./lib/health_checks.ts";

export const HEALTH_CHECKS = ["disk", "memory", "systemd-units"] as const;
export type HealthCheckName = typeof HEALTH_CHECKS[number];

export interface HealthSettings {
  checks: HealthCheckName[];
  diskThresholdPct: number;
  memoryThresholdPct: number;
  systemdUnits: string[];
  diskPaths: string[];
}

function threshold(config: TaskConfig, key: string): number {
  const v = optNumber(config, key) ?? 90;
  if (v < 0 || v > 100) throw new ConfigValueError(`"${key}" must be from 0 to 100`);
  return v;
}

export function healthSettings(config: TaskConfig): HealthSettings {
  const checks = config.checks === undefined || config.checks === null
    ? [...HEALTH_CHECKS]
    : stringList(config, "checks");
  for (const c of checks) {
    if (!(HEALTH_CHECKS as readonly string[]).includes(c)) {
      throw new ConfigValueError(
        `"checks" entries must be disk, memory or systemd-units, got "${c}"`,
      );
    }
  }
  const diskPaths = config.disk_paths === undefined ? ["/"] : stringList(config, "disk_paths");
  return {
    checks: [...new Set(checks)] as HealthCheckName[],
    diskThresholdPct: threshold(config, "disk_threshold_pct"),
    memoryThresholdPct: threshold(config, "memory_threshold_pct"),
    systemdUnits: stringList(config, "systemd_units"),
    diskPaths: diskPaths.length > 0 ? diskPaths : ["/"],
  };
}

/** Grants for a config (evaluated by docket in the orchestrator, before the run). */
export function healthGrants(config: TaskConfig): Partial<TaskGrants> {
  let s: HealthSettings;
  try {
    s = healthSettings(config);
  } catch {
    return { exec: [], sys: [] };
  }
  const exec: string[] = [];
  if (s.checks.includes("disk")) exec.push("df");
  if (s.checks.includes("systemd-units") && s.systemdUnits.length > 0) exec.push("systemctl");
  return {
    exec,
    sys: s.checks.includes("memory") ? ["systemMemoryInfo"] : [],
    network: false,
    destructive: false,
  };
}

type Results = {
  disk?: DiskCheck;
  memory?: MemoryCheck;
  "systemd-units"?: SystemdCheck;
};

function describe(name: HealthCheckName, r: Results): string {
  switch (name) {
    case "disk": {
      const d = r.disk!;
      return d.paths.map((p) =>
        p.used_pct === undefined
          ? `${p.path} unavailable (${p.reason})`
          : `${p.path} ${formatPct(p.used_pct)} ${p.status === "failed" ? ">" : "≤"} ${
            formatPct(d.threshold_pct)
          }`
      ).join(", ");
    }
    case "memory": {
      const m = r.memory!;
      return m.used_pct === undefined
        ? `unavailable (${m.reason})`
        : `${formatPct(m.used_pct)} ${m.status === "failed" ? ">" : "≤"} ${
          formatPct(m.threshold_pct)
        }`;
    }
    case "systemd-units": {
      const u = r["systemd-units"]!;
      if (u.status === "skipped" || u.status === "unavailable") return `${u.status} (${u.reason})`;
      const bad = u.units.filter((x) => x.status !== "passed");
      return bad.length === 0
        ? `${u.units.length} active`
        : bad.map((x) => `${x.unit} ${x.state}`).join(", ");
    }
  }
}

async function run(config: TaskConfig, ctx: TaskContext) {
  let s: HealthSettings;
  try {
    s = healthSettings(config);
  } catch (err) {
    if (!(err instanceof ConfigValueError)) throw err;
    return { ok: false, summary: `Invalid health-check config: ${err.message}`, details: {} };
  }
  const results: Results = {};
  for (const name of s.checks) {
    if (name === "disk") {
      results.disk = await checkDisk(s.diskPaths, s.diskThresholdPct, ctx.signal);
    }
    if (name === "memory") results.memory = checkMemory(s.memoryThresholdPct);
    if (name === "systemd-units") {
      results["systemd-units"] = await checkSystemdUnits(s.systemdUnits, ctx.signal);
    }
  }
  const verdict = (n: HealthCheckName): Verdict => results[n]!.status;
  const failing = s.checks.filter((n) => verdict(n) === "failed" || verdict(n) === "unavailable");
  const lines = s.checks.map((n) => `${n}: ${verdict(n)}, ${describe(n, results)}`);
  await Deno.stdout.write(new TextEncoder().encode(lines.join("\n") + "\n"));

  const prefix = ctx.dryRun ? "Dry run (the checks only read, so they ran): " : "";
  const summary = failing.length === 0
    ? `${prefix}All ${s.checks.length} check${s.checks.length === 1 ? "" : "s"} passed: ` +
      s.checks.map((n) => `${n} ${describe(n, results)}`).join("; ")
    : `${prefix}${failing.length} of ${s.checks.length} checks failed: ` +
      failing.map((n) => `${n} ${describe(n, results)}`).join("; ");
  return {
    ok: failing.length === 0,
    summary,
    details: {
      checks: results,
      failed: s.checks.filter((n) => verdict(n) === "failed"),
      unavailable: s.checks.filter((n) => verdict(n) === "unavailable"),
      passed: s.checks.filter((n) => verdict(n) === "passed"),
    },
  };
}

const defaults = {
  checks: [...HEALTH_CHECKS],
  disk_threshold_pct: 90,
  memory_threshold_pct: 90,
  systemd_units: [] as string[],
  disk_paths: ["/"],
};

export default defineTask({
  name: "health-check",
  description: "Check disk usage, memory usage and systemd unit states against thresholds",
  inputs: {
    checks: "Checks to run: disk, memory, systemd-units",
    disk_threshold_pct: "Fail when a disk path's usage exceeds this percentage (0-100)",
    memory_threshold_pct: "Fail when memory usage exceeds this percentage (0-100)",
    systemd_units: "Units that must be active (systemd-units)",
    disk_paths: 'Paths whose file systems the disk check measures (default ["/"])',
  },
  outputs: {
    checks: "Per check: status (passed, failed, unavailable, skipped) and its figures",
    failed: "Names of checks beyond their threshold",
    unavailable: "Names of checks that could not measure (they fail the task)",
    passed: "Names of checks that passed",
  },
  defaults,
  reads: [TASK_LIB_DIR],
  ...healthGrants(defaults),
  grantsFor: healthGrants,
  run,
  dryRun: run,
});
