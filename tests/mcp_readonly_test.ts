/**
 * `cancel_run` is gated like a destructive run, and tools annotated readOnlyHint change
 * nothing: no lost-run cleanup (which kills processes and rewrites rows) (issue 14.5).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Home, pidAlive, until } from "./helpers.ts";
import { type Json, withServer } from "./mcp_helpers.ts";

const SLEEPER = `tasks:\n  sleeper:\n    type: command\n    command: ["sleep", "300"]\n`;
/**
 * Unjailed: a task that outlives its killed runner (in its own group) is the unjailed path; a
 * jailed one dies with its runner (bwrap --die-with-parent), leaving nothing to clean up.
 */
const SLEEPER_UNJAILED = `${SLEEPER}    sandbox: { os: off }\n`;

function row(h: Home, runId: string): { status: string; task_pid: number | null } {
  const db = new DatabaseSync(h.stateDb, { readOnly: true });
  try {
    return db.prepare("SELECT status, task_pid FROM runs WHERE run_id = ?").get(runId) as Json;
  } finally {
    db.close();
  }
}

/** A `sleep 300` run started from the CLI (not by the MCP server); returns its receipt. */
async function cliRun(h: Home): Promise<{ run_id: string; pid: number; task_pid: number }> {
  const r = await h.run(["--json", "run", "sleeper", "--async"]);
  assert.equal(r.json.status, "running", JSON.stringify(r.json));
  let taskPid = 0;
  await until(() => (taskPid = row(h, r.json.run_id).task_pid ?? 0) > 0, 20000, "task pid");
  return { ...r.json, task_pid: taskPid };
}

Deno.test("mcp: cancel_run refuses a run this server did not start (without --allow-destructive); the process lives", async () => {
  await withServer((h) => h.config(SLEEPER), async (s, h) => {
    const run = await cliRun(h);
    try {
      const c = await s.call("cancel_run", { run_id: run.run_id, grace_seconds: 1 });
      assert.equal(c.isError, true, JSON.stringify(c.structuredContent));
      assert.equal(c.structuredContent.error.kind, "permission_denied");
      assert.match(c.structuredContent.error.message, /did not start it/);
      assert.equal(row(h, run.run_id).status, "running");
      assert.ok(pidAlive(run.task_pid), "the task was not killed");
      // Positive control: a run this server started is its to cancel.
      const own = (await s.call("start_task", { task: "sleeper", force: true })).structuredContent;
      const c2 = await s.call("cancel_run", { run_id: own.run_id, grace_seconds: 1 });
      assert.equal(c2.structuredContent.status, "cancelled", JSON.stringify(c2.structuredContent));
    } finally {
      await h.run(["--json", "cancel", run.run_id, "--grace", "1"]);
    }
  });
});

Deno.test("mcp: with --allow-destructive cancel_run stops a run started elsewhere (positive control)", async () => {
  await withServer((h) => h.config(SLEEPER), async (s, h) => {
    const run = await cliRun(h);
    const c = await s.call("cancel_run", { run_id: run.run_id, grace_seconds: 1 });
    assert.equal(c.structuredContent.status, "cancelled", JSON.stringify(c.structuredContent));
    await until(() => !pidAlive(run.task_pid), 10000, "the task to be killed");
  }, ["--allow-destructive"]);
});

Deno.test("mcp: read-only tools on a run whose runner died show it lost but change nothing; the CLI then cleans up", async () => {
  await withServer((h) => h.config(SLEEPER_UNJAILED), async (s, h) => {
    const run = await cliRun(h);
    try {
      Deno.kill(run.pid, "SIGKILL"); // the runner only: its task lives on in its own group
      await until(() => !pidAlive(run.pid), 10000, "the runner to die");
      const got = (await s.call("get_run", { run_id: run.run_id })).structuredContent;
      assert.equal(got.status, "lost", JSON.stringify(got));
      const runs = (await s.call("list_runs")).structuredContent.runs;
      assert.equal(runs.find((r: Json) => r.run_id === run.run_id).status, "lost");
      const logs = (await s.call("get_logs", { run_id: run.run_id })).structuredContent;
      assert.equal(logs.status, "lost");
      const ev = (await s.call("get_events", { run_id: run.run_id })).structuredContent;
      assert.equal(ev.status, "lost");
      const w = (await s.call("wait_run", { run_id: run.run_id, timeout_seconds: 10 }))
        .structuredContent;
      assert.equal(w.status, "lost");
      assert.equal(w.finished, true);
      assert.equal(row(h, run.run_id).status, "running", "no row was rewritten");
      assert.ok(pidAlive(run.task_pid), "no process was killed");
      // Positive control: a CLI read does the cleanup: recorded lost, the leftover killed.
      const st = await h.run(["--json", "status", "--run-id", run.run_id]);
      assert.equal(st.json.run.status, "lost");
      assert.equal(row(h, run.run_id).status, "lost");
      await until(() => !pidAlive(run.task_pid), 10000, "the leftover task to be killed");
    } finally {
      if (pidAlive(run.task_pid)) Deno.kill(run.task_pid, "SIGKILL");
    }
  });
});
