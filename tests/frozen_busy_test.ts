/**
 * The time limit holds when the runner cannot act, also without the OS sandbox: a task that
 * blocks its own event loop (a busy loop, a catastrophic regex) starves the harness's own
 * deadline timers, so with the runner stopped (SIGSTOP) and `sandbox.os: off` it ran on
 * forever. Unjailed children get the jail's hard deadline too (coreutils `timeout -s KILL`).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Home, pidAlive, until, withHome } from "./helpers.ts";

async function taskPidOf(h: Home, id: string): Promise<number> {
  const db = new DatabaseSync(h.stateDb, { readOnly: true });
  let pid = 0;
  try {
    await until(
      () => {
        const row = db.prepare("SELECT task_pid FROM runs WHERE run_id = ?").get(id) as {
          task_pid: number | null;
        } | undefined;
        pid = row?.task_pid ?? 0;
        return pid > 0;
      },
      20000,
      "the task to start",
    );
  } finally {
    db.close();
  }
  return pid;
}

const CASES = [
  {
    name: "a TypeScript task spinning its event loop",
    setup: (h: Home) =>
      h.task("busy", `{ description: "Spins", run: () => { while (true) { /* spin */ } } }`),
    section: "",
  },
  {
    name: "a command task spinning",
    setup: () => {},
    section: `    type: command\n    command: /bin/sh\n    args: ["-c", "while :; do :; done"]\n`,
  },
];

for (const os of ["off", "auto"]) {
  for (const c of CASES) {
    Deno.test(`sandbox.os ${os}: ${c.name} ends at its limit plus grace while its runner is stopped`, async () => {
      await withHome(async (h) => {
        c.setup(h);
        h.config(
          `tasks:\n  busy:\n${c.section}    timeout_seconds: 2\n    kill_grace_seconds: 1\n` +
            `    sandbox:\n      os: ${os}\n`,
        );
        const r = await h.run(["--json", "run", "busy", "--async"]);
        assert.equal(r.code, 0, r.stdout);
        const { run_id: id, pid: runner } = r.json;
        const taskPid = await taskPidOf(h, id);
        Deno.kill(runner, "SIGSTOP");
        try {
          assert.ok(
            pidAlive(taskPid),
            "positive control: the task runs while the runner is stopped",
          );
          await until(() => !pidAlive(taskPid), 20000, "the task to be ended at its deadline");
        } finally {
          Deno.kill(runner, "SIGCONT");
          try {
            Deno.kill(-taskPid, "SIGKILL"); // never leave a spinning group behind
          } catch {
            // already gone
          }
        }
        const w = await h.run(["--json", "wait", id, "--timeout", "60"]);
        assert.equal(w.json.status, "timeout", w.stdout);
        assert.equal(w.json.error.details.limit, "timeout_seconds", w.stdout);
      });
    });
  }
}
