/**
 * The unjailed hard deadline (coreutils `timeout -s KILL` around the task, child_spec.ts) ends a
 * child this runner does not stop itself; `endedAtDeadline` is the one rule both attempts use to
 * record that as a timeout. Real processes: the spec's own wrapper, run by runChild with no limit
 * of its own (as a stopped runner, whose timers cannot fire).
 */
import assert from "node:assert/strict";
import { taskChildSpec } from "../sandbox/child_spec.ts";
import type { HostFacts } from "../sandbox/host.ts";
import { runChild } from "../sandbox/spawn.ts";
import { endedAtDeadline, killedOutcome } from "./outcome.ts";

function which(c: string): string | undefined {
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${d}/${c}`).isFile) return `${d}/${c}`;
    } catch {
      // not here
    }
  }
  return undefined;
}

const host: HostFacts = {
  probe: { available: false, bwrap: null, reason: "off in this test" },
  policy: "off",
  denoPath: Deno.execPath(),
  denoDir: "/nonexistent",
  docketRoot: "/nonexistent",
  home: "/nonexistent",
  masks: [],
  privateDirs: [],
  privateFiles: [],
  deny: { read: [], write: [] },
  timeoutBin: which("timeout"),
  resolve: (c) => c.includes("/") ? c : which(c),
  real: (p) => p,
  exists: () => true,
  envSource: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" },
};

async function run(script: string) {
  const scratch = Deno.makeTempDirSync({ prefix: "docket-deadline-" });
  const section = {
    type: "command",
    command: "/bin/sh",
    args: ["-c", script],
    timeout_seconds: 1,
    kill_grace_seconds: 0,
  };
  try {
    const spec = taskChildSpec(
      { name: "busy", source: "command", module: null, grants: {} },
      { runId: "r-deadline", attempt: 1, dryRun: false, scratchDir: scratch, section },
      host,
    );
    // No timeoutMs for runChild: only the spec's own deadline can end the child.
    const out = await runChild(spec, { log: () => {}, graceMs: 0, runId: "r-deadline" });
    return { spec, out, section };
  } finally {
    Deno.removeSync(scratch, { recursive: true });
  }
}

Deno.test("unjailed deadline: the spec's timeout wrapper SIGKILLs a spinning command; that is a timeout", async () => {
  const { spec, out, section } = await run("while :; do :; done");
  assert.equal(spec.jailed, false);
  assert.equal(spec.deadline, 1);
  assert.equal(spec.cmd, host.timeoutBin, "the command runs under coreutils timeout");
  assert.equal(out.killedBy, null, "this runner did not stop it");
  assert.ok(out.code === 137 || out.signal === "SIGKILL", JSON.stringify(out));
  assert.ok((out.ranMs ?? 0) >= 1000, JSON.stringify(out));
  assert.equal(endedAtDeadline(out, spec, section), true);
  assert.equal(killedOutcome("timeout_seconds", section).error?.details?.limit, "timeout_seconds");
});

Deno.test("unjailed deadline: a SIGKILL before the limit (out of memory, an operator) stays a failure", async () => {
  const { spec, out, section } = await run("kill -9 $$");
  assert.ok(out.code === 137 || out.signal === "SIGKILL", JSON.stringify(out));
  assert.ok((out.ranMs ?? 0) < 1000, JSON.stringify(out));
  assert.equal(endedAtDeadline(out, spec, section), false);
  // Without a hard deadline in the spec, a late SIGKILL is not the deadline's either.
  assert.equal(endedAtDeadline({ ...out, ranMs: 5000 }, { deadline: null }, section), false);
  assert.equal(endedAtDeadline({ ...out, ranMs: 5000 }, spec, section), true);
});
