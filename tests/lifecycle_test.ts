/** Run lifecycle through the real CLI: async receipts, follow, wait, cancel, lost, locks, retry. */
import assert from "node:assert/strict";
import { fileWritten, type Home, pidAlive, until, withHome } from "./helpers.ts";

async function startAsync(h: Home, task: string, extra: string[] = []) {
  const r = await h.run(["--json", "run", task, "--async", ...extra]);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  return r.json as { run_id: string; pid: number; log_path: string; [k: string]: unknown };
}

Deno.test("run --async returns a receipt before a 5 s task ends; wait returns its result", async () => {
  await withHome(async (h) => {
    h.config(
      `tasks:\n  five:\n    type: command\n    command: ["sh", "-c", "echo start; sleep 5; echo done"]\n`,
    );
    const t0 = Date.now();
    const receipt = await startAsync(h, "five");
    assert.ok(Date.now() - t0 < 4000, "receipt must come before the task ends");
    for (
      const k of [
        "ok",
        "status",
        "task",
        "run_id",
        "pid",
        "log_path",
        "next_check_after_seconds",
        "status_command",
        "wait_command",
        "logs_command",
        "events_command",
      ]
    ) assert.ok(k in receipt, k);
    assert.equal(receipt.status, "running");
    const st = await h.run(["--json", "status", "--run-id", receipt.run_id]);
    assert.equal(st.json.run.status, "running");
    const w = await h.run(["--json", "wait", receipt.run_id]);
    assert.equal(w.code, 0);
    assert.equal(w.json.status, "succeeded");
    const log = Deno.readTextFileSync(receipt.log_path);
    assert.equal(log, "start\ndone\n");
    const logs = await h.run(["--json", "logs", receipt.run_id]);
    assert.equal(logs.json.content, "start\ndone\n");
  });
});

Deno.test("wait --timeout gives a clear timeout error and the run goes on", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  long:\n    type: command\n    command: ["sleep", "3"]\n`);
    const r = await startAsync(h, "long");
    const w = await h.run(["--json", "wait", r.run_id, "--timeout", "0.3"]);
    assert.equal(w.code, 1);
    assert.equal(w.json.error.kind, "wait_timeout");
    const done = await h.run(["--json", "wait", r.run_id]);
    assert.equal(done.json.status, "succeeded");
  });
});

Deno.test("events --follow sees events before the task ends, in order, none lost", async () => {
  await withHome(async (h) => {
    const gate = `${h.dir}/gate`;
    h.config(`tasks:
  ev:
    type: command
    command: ["sh", "-c", "for i in 0 1 2; do echo \\"{\\\\\\"type\\\\\\":\\\\\\"tick\\\\\\",\\\\\\"i\\\\\\":$i}\\"; done; while [ ! -e ${gate} ]; do sleep 0.05; done; echo '{\\"type\\":\\"last\\"}'"]
    output_format: jsonl
`);
    const r = await startAsync(h, "ev");
    // The task blocks on the gate: the first events must be visible while it still runs.
    await until(
      async () => (await h.run(["--json", "events", r.run_id])).json.total === 3,
      15000,
      "3 events",
    );
    const mid = await h.run(["--json", "status", "--run-id", r.run_id]);
    assert.equal(mid.json.run.status, "running");
    const follower = h.spawn(["--json", "events", r.run_id, "--follow"]);
    Deno.writeTextFileSync(gate, "");
    const out = await follower.output();
    assert.equal(out.code, 0);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    const events = lines.filter((l) => "event_index" in l);
    assert.deepEqual(events.map((e) => e.event_index), [0, 1, 2, 3]);
    assert.deepEqual(events.map((e) => e.event_type), ["tick", "tick", "tick", "last"]);
    for (const k of ["run_id", "task_name", "event_index", "timestamp", "event_type", "event"]) {
      assert.ok(k in events[0], k);
    }
    assert.equal(lines.at(-1).type, "end");
    assert.equal(lines.at(-1).status, "succeeded");
  });
});

Deno.test("logs --follow streams until the run ends and exits with its code", async () => {
  await withHome(async (h) => {
    h.config(
      `tasks:\n  f:\n    type: command\n    command: ["sh", "-c", "echo a; sleep 0.5; echo b; exit 4"]\n`,
    );
    const r = await startAsync(h, "f");
    const res = await h.run(["logs", r.run_id, "--follow"]);
    assert.equal(res.code, 1);
    assert.equal(res.stdout, "a\nb\n");
  });
});

Deno.test("cancel kills a task that ignores SIGTERM and its shell's grandchildren", async () => {
  await withHome(async (h) => {
    const pids = `${h.dir}/pids`;
    h.config(`tasks:
  stubborn:
    type: command
    command: ["bash", "-c", "trap '' TERM; sleep 300 & echo $! > ${pids}; sleep 301 & echo $! >> ${pids}; echo $$ >> ${pids}; wait"]
    kill_grace_seconds: 1
    sandbox: { os: off }
`); // host pids: the unjailed path (tests/os_sandbox_test.ts has the jailed one)
    const r = await startAsync(h, "stubborn");
    const ps = (await fileWritten(pids, 10000, 3)).split("\n").map(Number);
    assert.ok(ps.every(pidAlive));
    const c = await h.run(["--json", "cancel", r.run_id]);
    assert.equal(c.code, 0, c.stdout);
    assert.equal(c.json.status, "cancelled");
    assert.equal(c.json.error.kind, "cancelled");
    await until(() => !ps.some(pidAlive), 5000, "all processes gone");
    assert.ok(!pidAlive(r.pid), "runner gone");
  });
});

Deno.test("kill -9 of the runner: the run becomes lost on the next read and wait returns", async () => {
  await withHome(async (h) => {
    const pidf = `${h.dir}/taskpid`;
    h.config(
      `tasks:\n  victim:\n    type: command\n    command: ["sh", "-c", "echo $$ > ${pidf}; sleep 300"]\n` +
        "    sandbox: { os: off }\n", // host pids: the unjailed path
    );
    const r = await startAsync(h, "victim");
    const taskPid = Number(await fileWritten(pidf));
    Deno.kill(r.pid, "SIGKILL");
    await until(() => !pidAlive(r.pid), 5000, "runner dead");
    const w = await h.run(["--json", "wait", r.run_id, "--timeout", "10"]);
    assert.equal(w.json.status, "lost");
    assert.equal(w.json.error.kind, "lost");
    await until(() => !pidAlive(taskPid), 5000, "orphaned task killed");
  });
});

Deno.test("lock: a second run while one runs is refused with lock_held; --force bypasses", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  solo:\n    type: command\n    command: ["sleep", "2"]\n`);
    const first = await startAsync(h, "solo");
    const second = await h.run(["--json", "run", "solo"]);
    assert.equal(second.code, 1);
    assert.equal(second.json.error.kind, "lock_held");
    assert.equal(second.json.error.details.holder_run_id, first.run_id);
    assert.match(second.json.error.message, new RegExp(first.run_id));
    const forced = await h.run(["--json", "run", "solo", "--force"]);
    assert.equal(forced.json.status, "succeeded");
    await h.run(["--json", "wait", first.run_id]);
    const third = await h.run(["--json", "run", "solo"]);
    assert.equal(third.json.status, "succeeded", "lock released after the run");
  });
});

Deno.test("lock race: of many simultaneous starts exactly one gets the lock", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  solo:\n    type: command\n    command: ["sleep", "3"]\n`);
    const kids = Array.from({ length: 6 }, () => h.spawn(["--json", "run", "solo", "--async"]));
    const outs = await Promise.all(kids.map((k) => k.output()));
    const docs = outs.map((o) => JSON.parse(new TextDecoder().decode(o.stdout)));
    const winners = docs.filter((d) => d.ok);
    assert.equal(winners.length, 1, JSON.stringify(docs));
    assert.ok(docs.filter((d) => !d.ok).every((d) => d.error.kind === "lock_held"));
    await h.run(["--json", "cancel", winners[0].run_id]);
  });
});

Deno.test("a stale lock left by a dead process is taken over", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  solo:\n    type: command\n    command: ["sleep", "300"]\n`);
    const r = await startAsync(h, "solo");
    Deno.kill(r.pid, "SIGKILL");
    await until(() => !pidAlive(r.pid), 5000, "runner dead");
    h.config(`tasks:\n  solo:\n    type: command\n    command: ["true"]\n`);
    const again = await h.run(["--json", "run", "solo"]);
    assert.equal(again.json.status, "succeeded", JSON.stringify(again.json));
  });
});

Deno.test("retry: attempts with exponential backoff, recorded on the run", async () => {
  await withHome(async (h) => {
    // Not the home itself: a grant that is docket's home is refused (grant_refused).
    const count = `${h.dir}/out/count`;
    h.config(`tasks:
  flaky:
    type: command
    command: ["sh", "-c", "echo x >> ${count}; [ $(wc -l < ${count}) -ge 3 ]"]
    retry: 3
    backoff_base: 0.2
    destructive: true
    writes: [${h.dir}/out]
`);
    const t0 = Date.now();
    const r = await h.run(["--json", "run", "flaky"]);
    assert.equal(r.json.status, "succeeded");
    assert.equal(r.json.attempts, 3);
    // waits 0.2^1 + 0.2^2 = 0.24 s at least
    assert.ok(Date.now() - t0 >= 240);
    const ev = await h.run(["--json", "events", r.json.run_id]);
    assert.deepEqual(ev.json.events.map((e: { event_type: string }) => e.event_type), [
      "docket.retry",
      "docket.retry",
    ]);
  });
});

Deno.test("retry: permission_denied is not retried", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  envy:\n    retry: 3\n    backoff_base: 0.1\n`);
    h.task(
      "envy",
      `{ description: "d", run: () => ({ ok: true, summary: String(Deno.env.get("HOME")) }) }`,
    );
    const r = await h.run(["--json", "run", "envy"]);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.equal(r.json.attempts, 1);
  });
});

Deno.test("timeout_seconds and idle_timeout_seconds stop the task and say which fired", async () => {
  await withHome(async (h) => {
    h.config(`tasks:
  hard:
    type: command
    command: ["sh", "-c", "while true; do echo tick; sleep 0.1; done"]
    timeout_seconds: 0.8
    kill_grace_seconds: 0.5
  idle:
    type: command
    command: ["sh", "-c", "printf 'progress\\\\r'; sleep 30"]
    idle_timeout_seconds: 0.6
    kill_grace_seconds: 0.5
`);
    const hard = await h.run(["--json", "run", "hard"]);
    assert.equal(hard.json.status, "timeout");
    assert.equal(hard.json.details.timeout, "timeout_seconds");
    const idle = await h.run(["--json", "run", "idle"]);
    assert.equal(idle.json.status, "timeout");
    assert.equal(idle.json.details.timeout, "idle_timeout_seconds");
    assert.equal(idle.json.error.kind, "timeout");
  });
});

Deno.test("SIGTERM to a foreground run stops the task's process group and records cancelled", async () => {
  await withHome(async (h) => {
    const pidf = `${h.dir}/pid`;
    h.config(
      `tasks:\n  fg:\n    type: command\n    command: ["sh", "-c", "echo $$ > ${pidf}; sleep 300"]\n    kill_grace_seconds: 1\n` +
        "    sandbox: { os: off }\n", // host pids: the unjailed path
    );
    const child = h.spawn(["--json", "run", "fg"]);
    const taskPid = Number(await fileWritten(pidf));
    child.kill("SIGTERM");
    const out = await child.output();
    const doc = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(out.code, 1);
    assert.equal(doc.status, "cancelled");
    await until(() => !pidAlive(taskPid), 5000, "task gone");
  });
});

Deno.test("20 concurrent async runs of 20 tasks are all recorded, no database is locked", async () => {
  await withHome(async (h) => {
    let yaml = "tasks:\n";
    for (let i = 0; i < 20; i++) {
      yaml +=
        `  t${i}:\n    type: command\n    command: ["sh", "-c", "for j in 1 2 3 4 5; do echo '{\\"type\\":\\"e\\"}'; done"]\n    output_format: jsonl\n`;
    }
    h.config(yaml);
    const kids = Array.from(
      { length: 20 },
      (_, i) => h.spawn(["--json", "run", `t${i}`, "--async"]),
    );
    const outs = await Promise.all(kids.map((k) => k.output()));
    const ids = outs.map((o) => {
      const text = new TextDecoder().decode(o.stdout);
      assert.ok(!new TextDecoder().decode(o.stderr).includes("locked"));
      return JSON.parse(text).run_id as string;
    });
    for (const id of ids) {
      const w = await h.run(["--json", "wait", id, "--timeout", "60"]);
      assert.equal(w.json.status, "succeeded", JSON.stringify(w.json));
      assert.equal(w.json.details.event_count, 5);
    }
  });
});

Deno.test("cancel right after run --async records cancelled, never lost", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  slow:\n    type: command\n    command: ["sleep", "30"]\n`);
    for (let i = 0; i < 3; i++) {
      const r = await startAsync(h, "slow");
      const c = await h.run(["--json", "cancel", r.run_id]);
      assert.equal(c.json.status, "cancelled", JSON.stringify(c.json));
      assert.equal(c.json.ok, true);
      assert.equal(c.code, 0);
    }
  });
});

Deno.test("lost-run cleanup never signals a process group that is not the task's", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  t:\n    type: command\n    command: ["true"]\n`);
    await h.run(["--json", "run", "t"]); // creates the state DB
    // An unrelated process group whose leader's pid the dead run claims as its task.
    const bystander = new Deno.Command("setsid", { args: ["sleep", "60"], stdout: "null" })
      .spawn();
    try {
      await until(() => pidAlive(bystander.pid), 5000, "bystander started");
      const { DatabaseSync } = await import("node:sqlite");
      const db = new DatabaseSync(h.stateDb);
      db.prepare(
        `INSERT INTO runs (run_id, task_name, status, started_at, runner_pid, runner_start,
           task_pid, task_start) VALUES (?, 't', 'running', ?, 999999, '1', ?, '1')`,
      ).run("20260101T000000000000Z-deadbeef", new Date().toISOString(), bystander.pid);
      db.close();
      const st = await h.run(["--json", "status", "--run-id", "20260101T000000000000Z-deadbeef"]);
      assert.equal(st.json.run.status, "lost");
      assert.ok(pidAlive(bystander.pid), "the unrelated process must survive");
    } finally {
      try {
        bystander.kill("SIGKILL");
      } catch {
        // already gone (the assertion above says why)
      }
      await bystander.status;
    }
  });
});

Deno.test("lost run whose task shell already died: its leftover children are still killed", async () => {
  await withHome(async (h) => {
    const pidf = `${h.dir}/sleep.pid`;
    h.config(`tasks:
  ticker:
    type: command
    command: ["sh", "-c", "sleep 307 & echo $! > ${pidf}; while true; do echo tick; sleep 0.2; done"]
    sandbox: { os: off }
`);
    const r = await startAsync(h, "ticker");
    const sleepPid = Number(await fileWritten(pidf));
    Deno.kill(r.pid, "SIGKILL");
    await until(() => !pidAlive(r.pid), 5000, "runner dead");
    // The shell dies of SIGPIPE on its next echo; the sleep stays in the group.
    await new Promise((ok) => setTimeout(ok, 600));
    const w = await h.run(["--json", "wait", r.run_id, "--timeout", "10"]);
    assert.equal(w.json.status, "lost");
    await until(() => !pidAlive(sleepPid), 5000, "leftover sleep killed");
  });
});
