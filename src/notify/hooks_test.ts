import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  classifyStatus,
  type HookConfig,
  plannedHooks,
  runHooks,
  type RunOutcome,
} from "./hooks.ts";

function outcome(over: Partial<RunOutcome> = {}): RunOutcome {
  return {
    runId: "run_01",
    taskName: "backup",
    status: "failed",
    exitCode: 1,
    summary: "disk full",
    details: { bytes: 12, files: ["a", "b"] },
    logPath: "/tmp/docket/run_01.log",
    durationMs: 1234,
    ...over,
  };
}

function withoutLogPath(o: RunOutcome): RunOutcome {
  const { logPath: _, ...rest } = o;
  return rest;
}

/** Minimal env so hooks behave the same on any machine. */
const BASE_ENV = { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", KEEP_ME: "yes" };

function parseEnv(text: string): Record<string, string> {
  // `env -0` output: NUL-separated, so values with newlines survive.
  const out: Record<string, string> = {};
  for (const entry of text.split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** Running = exists and not a zombie (PID 1 in containers may never reap orphans). */
function processRunning(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

Deno.test("classifyStatus maps statuses to hook families and skips dry runs", () => {
  assertEquals(classifyStatus("succeeded"), "success");
  for (const s of ["failed", "cancelled", "timeout", "lost"]) {
    assertEquals(classifyStatus(s), "failure");
  }
  assertEquals(classifyStatus("dry_run"), null);
  assertEquals(classifyStatus("running"), null);
  assertEquals(classifyStatus("queued"), null);
});

Deno.test("plannedHooks runs the outcome hooks before on_complete, and nothing for dry runs", () => {
  const cfg: HookConfig = { on_success: "s1", on_failure: ["f1", "f2"], on_complete: "c1" };
  assertEquals(plannedHooks(cfg, "succeeded"), [
    { name: "on_success", command: "s1" },
    { name: "on_complete", command: "c1" },
  ]);
  assertEquals(plannedHooks(cfg, "timeout"), [
    { name: "on_failure", command: "f1" },
    { name: "on_failure", command: "f2" },
    { name: "on_complete", command: "c1" },
  ]);
  assertEquals(plannedHooks(cfg, "dry_run"), []);
});

Deno.test("runHooks passes run data only through DOCKET_* variables", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/env`;
    const results = await runHooks(
      { on_complete: `env -0 > '${file}'` },
      outcome({ status: "succeeded", exitCode: 0, summary: "line1\nline2 ✓" }),
      { baseEnv: { ...BASE_ENV, DOCKET_LOG_PATH: "/stale/inherited.log" } },
    );
    assertEquals(results.map((r) => [r.name, r.ok, r.exit_code]), [["on_complete", true, 0]]);
    const env = parseEnv(await Deno.readTextFile(file));
    assertEquals(env.DOCKET_RUN_ID, "run_01");
    assertEquals(env.DOCKET_TASK_NAME, "backup");
    assertEquals(env.DOCKET_STATUS, "succeeded");
    assertEquals(env.DOCKET_EXIT_CODE, "0");
    assertEquals(env.DOCKET_SUMMARY, "line1\nline2 ✓");
    assertEquals(JSON.parse(env.DOCKET_DETAILS_JSON ?? ""), { bytes: 12, files: ["a", "b"] });
    assertEquals(env.DOCKET_LOG_PATH, "/tmp/docket/run_01.log");
    assertEquals(env.KEEP_ME, "yes", "base env is passed through");

    // Without a log path the inherited value is removed, not passed off as this run's.
    await runHooks(
      { on_complete: `env -0 > '${file}'` },
      withoutLogPath(outcome()),
      {
        baseEnv: { ...BASE_ENV, DOCKET_LOG_PATH: "/stale/inherited.log" },
      },
    );
    assert(!("DOCKET_LOG_PATH" in parseEnv(await Deno.readTextFile(file))));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runHooks never interpolates the summary into the command", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pwned = `${dir}/pwned`;
    const seen = `${dir}/seen`;
    const summary =
      `$(touch ${pwned}) \`touch ${pwned}\` "; touch ${pwned}; echo " '; touch ${pwned}; '`;
    const results = await runHooks(
      { on_failure: `printf '%s' "$DOCKET_SUMMARY" > '${seen}'` },
      outcome({ summary, taskName: `x; touch ${pwned}` }),
      { baseEnv: BASE_ENV },
    );
    assertEquals(results.map((r) => r.ok), [true]);
    assertEquals(await Deno.readTextFile(seen), summary, "hook sees the exact summary");
    let created = true;
    try {
      await Deno.stat(pwned);
    } catch {
      created = false;
    }
    assert(!created, "injected command must not run");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runHooks reports a failing hook with its exit code and output tail", async () => {
  const results = await runHooks(
    { on_failure: "echo to-stdout; echo to-stderr >&2; exit 3", on_complete: "true" },
    outcome(),
    { baseEnv: BASE_ENV },
  );
  assertEquals(results.length, 2);
  const [failed, complete] = results;
  assert(failed && complete);
  assertEquals(failed.name, "on_failure");
  assertEquals(failed.ok, false);
  assertEquals(failed.exit_code, 3);
  assertEquals(failed.timed_out, false);
  assertEquals(failed.error, `Hook "on_failure" failed with exit code 3`);
  assert(failed.output_tail?.includes("to-stdout"), failed.output_tail);
  assert(failed.output_tail?.includes("to-stderr"), failed.output_tail);
  assertEquals(complete.ok, true, "a failing hook does not stop the next one");
});

Deno.test("runHooks keeps only the last 2 KB of output, without broken characters", async () => {
  // 3000 × "é" (2 bytes each) then a marker: the tail must end with the marker and be ≤ 2048 bytes.
  const [r] = await runHooks(
    { on_failure: `i=0; while [ $i -lt 3000 ]; do printf 'é'; i=$((i+1)); done; echo END` },
    outcome(),
    { baseEnv: BASE_ENV },
  );
  assert(r);
  const tail = r.output_tail ?? "";
  assert(tail.endsWith("END\n"), tail.slice(-20));
  assert(new TextEncoder().encode(tail).length <= 2048);
  assert(new TextEncoder().encode(tail).length > 2000);
  assert(!tail.includes("\uFFFD"), "no replacement characters from a cut sequence");
});

Deno.test("runHooks masks secrets in output tails, commands and tokens", async () => {
  const secret = "hunter2-very-secret";
  const [r] = await runHooks(
    {
      on_failure: `echo "password=${secret}"; ` +
        `echo "https://api.telegram.org/bot123456:AAEabc_DEF-ghi/sendMessage"; ` +
        `echo "https://discord.com/api/webhooks/42/tok_EN-value"`,
    },
    outcome(),
    { baseEnv: BASE_ENV, secrets: [secret, "ab"] },
  );
  assert(r);
  const tail = r.output_tail ?? "";
  assert(!tail.includes(secret) && tail.includes("password=***"), tail);
  assert(!tail.includes("AAEabc") && tail.includes("bot123456:***"), tail);
  assert(!tail.includes("tok_EN") && tail.includes("/api/webhooks/42/***"), tail);
  assert(!(r.command ?? "").includes(secret), r.command);
});

Deno.test("runHooks masks a secret that straddles the start of the output tail", async () => {
  const secret = "ABCDEFGHIJKL";
  // 12 secret bytes, then 2040 more: the last 2048 bytes begin inside the secret.
  const [r] = await runHooks(
    { on_failure: `printf '%s' '${secret}'; head -c 2040 /dev/zero | tr '\\0' x` },
    outcome(),
    { baseEnv: BASE_ENV, secrets: [secret] },
  );
  const tail = r?.output_tail ?? "";
  assert(tail.startsWith("***xxx"), tail.slice(0, 20));
  assert(!tail.includes("IJKL"));
});

Deno.test("runHooks kills the whole process group of a hook that times out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/pid`;
    const started = performance.now();
    const [r] = await runHooks(
      {
        on_failure: `sleep 30 & echo $! > '${pidFile}'; echo started; wait`,
        hook_timeout_seconds: 0.5,
      },
      outcome(),
      { baseEnv: BASE_ENV },
    );
    const elapsed = performance.now() - started;
    assert(r);
    assertEquals(r.timed_out, true);
    assertEquals(r.ok, false);
    assertEquals(r.exit_code, null);
    assert(r.error?.includes("timed out after 0.5 s"), r.error);
    assert(r.output_tail?.includes("started"), r.output_tail);
    assert(elapsed < 4000, `took ${elapsed} ms`);
    const pid = Number((await Deno.readTextFile(pidFile)).trim());
    assert(pid > 0);
    assert(await waitFor(() => !processRunning(pid), 2000), `grandchild ${pid} still running`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runHooks escalates to SIGKILL for a hook group that ignores SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/pid`;
    const started = performance.now();
    const [r] = await runHooks(
      {
        // Grandchild ignores TERM and lets go of the pipes, so only the group kill can reach it.
        on_failure: `(trap '' TERM; exec sleep 30) >/dev/null 2>&1 & echo $! > '${pidFile}'; wait`,
        hook_timeout_seconds: 0.3,
      },
      outcome(),
      { baseEnv: BASE_ENV },
    );
    const elapsed = performance.now() - started;
    assert(r?.timed_out);
    const pid = Number((await Deno.readTextFile(pidFile)).trim());
    assert(await waitFor(() => !processRunning(pid), 2000), `grandchild ${pid} still running`);
    assert(elapsed >= 2000 && elapsed < 5000, `took ${elapsed} ms`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runHooks does not wait for background children holding the pipes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pidFile = `${dir}/pid`;
    const started = performance.now();
    const [r] = await runHooks(
      { on_complete: `sleep 30 & echo $! > '${pidFile}'; echo done` },
      outcome({ status: "succeeded" }),
      { baseEnv: BASE_ENV },
    );
    assert(performance.now() - started < 3000);
    assertEquals(r?.ok, true);
    assert(r?.output_tail?.includes("done"), r?.output_tail);
    // Clean up the deliberately left-behind child.
    const pid = Number((await Deno.readTextFile(pidFile)).trim());
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("runHooks runs nothing for a dry run", async () => {
  const results = await runHooks(
    { on_success: "exit 1", on_failure: "exit 1", on_complete: "exit 1" },
    outcome({ status: "dry_run", exitCode: 2 }),
    { baseEnv: BASE_ENV },
  );
  assertEquals(results, []);
});
