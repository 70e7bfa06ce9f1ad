/**
 * The time limit holds when the runner cannot act (issue 14.8): with the runner stopped
 * (SIGSTOP), a TypeScript task with `timeout_seconds: 2` ran on and stayed `running`. The
 * harness keeps its own deadline and ends itself at the limit plus the grace.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { pidAlive, until, withHome } from "./helpers.ts";

Deno.test("a TypeScript task ends at its limit plus grace even while its runner is stopped", async () => {
  await withHome(async (h) => {
    h.task(
      "sleepy",
      `{ description: "Sleeps a minute", run: async () => {
        await new Promise((r) => setTimeout(r, 60000));
        return { ok: true, summary: "woke" };
      } }`,
    );
    h.config(`tasks:\n  sleepy:\n    timeout_seconds: 2\n    kill_grace_seconds: 1\n`);
    const r = await h.run(["--json", "run", "sleepy", "--async"]);
    assert.equal(r.code, 0, r.stdout);
    const { run_id: id, pid: runner } = r.json;
    const db = new DatabaseSync(h.stateDb, { readOnly: true });
    let taskPid = 0;
    try {
      await until(
        () => {
          const row = db.prepare("SELECT task_pid FROM runs WHERE run_id = ?").get(id) as {
            task_pid: number | null;
          };
          taskPid = row?.task_pid ?? 0;
          return taskPid > 0;
        },
        20000,
        "the task to start",
      );
    } finally {
      db.close();
    }
    Deno.kill(runner, "SIGSTOP");
    try {
      assert.ok(pidAlive(taskPid), "positive control: the task runs while the runner is stopped");
      // 2 s limit + 1 s grace; the bound only absorbs a loaded machine.
      await until(() => !pidAlive(taskPid), 20000, "the task to end itself at its deadline");
    } finally {
      Deno.kill(runner, "SIGCONT");
    }
    const w = await h.run(["--json", "wait", id, "--timeout", "60"]);
    assert.equal(w.json.status, "timeout", w.stdout);
    assert.equal(w.json.error.kind, "timeout");
    assert.match(w.json.summary, /timeout_seconds \(2 s\)/);
  });
});
