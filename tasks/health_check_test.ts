import { deepStrictEqual as eq, match, ok } from "node:assert/strict";
import healthCheck, { healthGrants } from "./health_check.ts";
import { fakeCtx } from "./lib/test_support.ts";

Deno.test("health-check with 100% thresholds passes disk and memory, with each figure", async () => {
  const r = await healthCheck.run(
    { checks: ["disk", "memory"], disk_threshold_pct: 100, memory_threshold_pct: 100 },
    fakeCtx(),
  );
  ok(r.ok, r.summary);
  const checks = r.details!.checks as Record<string, Record<string, unknown>>;
  eq(checks.disk!.status, "passed");
  eq((checks.disk!.paths as { path: string }[])[0]!.path, "/");
  eq(checks.memory!.status, "passed");
  ok(typeof checks.memory!.used_pct === "number");
  eq(r.details!.failed, []);
  match(r.summary, /^All 2 checks passed: disk \/ [\d.]+% ≤ 100%; memory [\d.]+% ≤ 100%$/);
});

Deno.test("health-check with 0% thresholds fails and the summary names the failing checks", async () => {
  const r = await healthCheck.run(
    { checks: ["disk", "memory"], disk_threshold_pct: 0, memory_threshold_pct: 0 },
    fakeCtx(),
  );
  eq(r.ok, false);
  eq(r.details!.failed, ["disk", "memory"]);
  match(r.summary, /^2 of 2 checks failed: disk \/ [\d.]+% > 0%; memory [\d.]+% > 0%$/);
});

Deno.test("health-check: only the failing check is named when one passes", async () => {
  const r = await healthCheck.run(
    { checks: ["disk", "memory"], disk_threshold_pct: 100, memory_threshold_pct: 0 },
    fakeCtx(),
  );
  eq(r.ok, false);
  eq(r.details!.failed, ["memory"]);
  eq(r.details!.passed, ["disk"]);
  match(r.summary, /^1 of 2 checks failed: memory /);
});

Deno.test("health-check: systemd-units without units is skipped and does not fail", async () => {
  const r = await healthCheck.run(
    { disk_threshold_pct: 100, memory_threshold_pct: 100 },
    fakeCtx(),
  );
  ok(r.ok, r.summary);
  const checks = r.details!.checks as Record<string, Record<string, unknown>>;
  eq(checks["systemd-units"]!.status, "skipped");
  match(r.summary, /systemd-units skipped \(no systemd_units configured\)/);
});

/** Runs `fn` with PATH starting at `dir`. */
async function withPath<T>(dir: string, fn: () => T | Promise<T>): Promise<T> {
  const old = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", `${dir}:${old}`);
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", old);
  }
}

function fakeSystemctl(script: string): string {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/systemctl`, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return dir;
}

Deno.test("health-check: without a running systemd, systemd-units is unavailable and fails the task", async () => {
  const dir = fakeSystemctl(
    `echo "System has not been booted with systemd as init system (PID 1). Can't operate." >&2
echo "Failed to connect to bus: Host is down" >&2
exit 1`,
  );
  const r = await withPath(
    dir,
    () =>
      healthCheck.run({ checks: ["systemd-units"], systemd_units: ["nginx.service"] }, fakeCtx()),
  );
  eq(r.ok, false);
  eq(r.details!.unavailable, ["systemd-units"]);
  eq(
    r.summary,
    "1 of 1 checks failed: systemd-units unavailable (systemd is not usable here: System has not " +
      "been booted with systemd as init system (PID 1). Can't operate.)",
  );
});

Deno.test("health-check: unit states from systemctl is-active, inactive ones named", async () => {
  const dir = fakeSystemctl(`[ "$1 $2" = "is-active --" ] || exit 9
shift 2
for u in "$@"; do case "$u" in nginx.service) echo active ;; *) echo inactive ;; esac; done
exit 3`);
  const units = ["nginx.service", "postgresql.service"];
  const r = await withPath(
    dir,
    () => healthCheck.run({ checks: ["systemd-units"], systemd_units: units }, fakeCtx()),
  );
  eq(r.ok, false);
  const check = (r.details!.checks as Record<string, { units: unknown }>)["systemd-units"]!;
  eq(check.units, [
    { unit: "nginx.service", state: "active", status: "passed" },
    { unit: "postgresql.service", state: "inactive", status: "failed" },
  ]);
  eq(r.summary, "1 of 1 checks failed: systemd-units postgresql.service inactive");
  const good = await withPath(
    dir,
    () =>
      healthCheck.run({ checks: ["systemd-units"], systemd_units: ["nginx.service"] }, fakeCtx()),
  );
  ok(good.ok, good.summary);
});

Deno.test("health-check: the real systemctl here never crashes the task", async () => {
  const r = await healthCheck.run(
    { checks: ["systemd-units"], systemd_units: ["nginx.service"] },
    fakeCtx(),
  );
  const status = (r.details!.checks as Record<string, { status: string }>)["systemd-units"]!.status;
  ok(["passed", "failed", "unavailable"].includes(status), status);
});

Deno.test("health-check: a dry run runs the read-only checks and says so", async () => {
  const r = await healthCheck.dryRun!(
    { checks: ["memory"], memory_threshold_pct: 100 },
    fakeCtx({ dryRun: true }),
  );
  ok(r.ok);
  match(r.summary, /^Dry run \(the checks only read, so they ran\): All 1 check passed/);
});

Deno.test("health-check: disk_paths are each measured", async () => {
  const tmp = Deno.makeTempDirSync();
  const r = await healthCheck.run({
    checks: ["disk"],
    disk_paths: ["/", tmp],
    disk_threshold_pct: 100,
  }, fakeCtx());
  ok(r.ok, r.summary);
  const paths = (r.details!.checks as Record<string, { paths: { path: string }[] }>).disk!.paths;
  eq(paths.map((p) => p.path), ["/", tmp]);
});

Deno.test("health-check: a bad config value fails with the key named", async () => {
  const r = await healthCheck.run({ checks: ["disk", "cpu"] }, fakeCtx());
  eq(r.ok, false);
  eq(
    r.summary,
    `Invalid health-check config: "checks" entries must be disk, memory or systemd-units, got "cpu"`,
  );
  const t = await healthCheck.run({ disk_threshold_pct: 120 }, fakeCtx());
  eq(t.summary, `Invalid health-check config: "disk_threshold_pct" must be from 0 to 100`);
});

Deno.test("health-check grants follow the configured checks", () => {
  eq(healthGrants({}), {
    exec: ["df"],
    sys: ["systemMemoryInfo"],
    network: false,
    destructive: false,
  });
  eq(healthGrants({ checks: ["systemd-units"], systemd_units: ["a.service"] }), {
    exec: ["systemctl"],
    sys: [],
    network: false,
    destructive: false,
  });
  eq(healthGrants({ checks: ["memory"] }).exec, []);
  eq(healthCheck.sys, ["systemMemoryInfo"]);
});
