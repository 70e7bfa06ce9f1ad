/**
 * Robustness: a background process that escapes the task's group and keeps its output open, a
 * huge result frame, event inserts while another process holds the write lock, and a task's
 * cleanup on cancel within its kill_grace_seconds.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { fileWritten, pidAlive, until, withHome } from "./helpers.ts";
import { EventSink } from "../src/runs/events.ts";
import type { EventInput, EventStore } from "../src/core/store.ts";

const STACK = /\n\s+at .*:\d+/;

function killPid(pid: number): void {
  try {
    Deno.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

Deno.test("a grandchild that escaped the group with stdout open ends the run soon after the task", async () => {
  await withHome(async (h) => {
    const pidf = `${h.dir}/escaped.pid`;
    h.config(`tasks:
  leaky:
    type: command
    command: ["sh", "-c", "setsid sh -c 'echo $$ > ${pidf}; exec sleep 15' & echo started"]
    timeout_seconds: 3
    sandbox: { os: off }
`); // host pids: the unjailed path; jailed, the PID namespace ends it (os_sandbox_test.ts)
    let escaped = 0;
    try {
      const t0 = Date.now();
      const r = await h.run(["--json", "run", "leaky"]);
      const took = Date.now() - t0;
      escaped = Number(await fileWritten(pidf));
      assert.equal(r.json.status, "succeeded", r.stdout);
      assert.ok(took < 8000, `the run took ${took} ms: the escaped sleep held it`);
      assert.match(r.json.details.stdout, /started/);
      // It left the group, but it carries the run's DOCKET_RUN_ID: docket stops it (issue 12.12).
      assert.ok(r.json.details.leftovers_stopped >= 1, JSON.stringify(r.json.details));
      await until(() => !pidAlive(escaped), 5000, "the escaped process to be stopped");
    } finally {
      if (!escaped) {
        try {
          escaped = Number(Deno.readTextFileSync(pidf).trim());
        } catch {
          // never started
        }
      }
      if (escaped) killPid(escaped);
    }
  });
});

Deno.test("a 40 MB task result fails the run with a clear message, quickly and in bounded memory", async () => {
  await withHome(async (h) => {
    h.task(
      "huge",
      `{ description: "d", run() {
        return { ok: true, summary: "big", details: { blob: "x".repeat(40 * 1024 * 1024) } };
      } }`,
    );
    const t0 = Date.now();
    const child = h.spawn(["--json", "run", "huge"]);
    const output = child.output();
    let finished = false;
    output.finally(() => finished = true);
    let hwmKb = 0;
    while (!finished) {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
        if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
      } catch {
        // exited
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    const out = await output;
    const took = Date.now() - t0;
    const doc = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(doc.status, "failed", JSON.stringify(doc).slice(0, 500));
    assert.equal(doc.error.kind, "task_failed");
    assert.equal(doc.error.message, "Task result is larger than 4 MiB");
    assert.ok(took < 10000, `took ${took} ms`);
    // Before the cap: ~650 MB for a 40 MB frame. docket itself is well under 200 MB.
    assert.ok(hwmKb > 0 && hwmKb < 200 * 1024, `docket peak RSS ${hwmKb} kB`);
    const runs = await h.run(["--json", "runs"]);
    assert.ok(runs.stdout.length < 100_000, "the run row holds no 40 MB details");
  });
});

Deno.test("events emitted while another process holds the write lock are all recorded, once, in order", async () => {
  await withHome(async (h) => {
    h.task(
      "ticker",
      `{ description: "d", async run(_c, ctx) {
        for (let i = 0; i < 60; i++) {
          ctx.event("tick", { i });
          await new Promise((r) => setTimeout(r, 50));
        }
        return { ok: true, summary: "ticked" };
      } }`,
    );
    await h.run(["--json", "list"]); // creates the state DB
    const db = new DatabaseSync(h.stateDb);
    db.exec("PRAGMA busy_timeout = 5000");
    try {
      const child = h.spawn(["--json", "run", "ticker"], {
        env: { DOCKET_BUSY_TIMEOUT_MS: "200" },
      });
      const output = child.output();
      const count = () => (db.prepare("SELECT count(*) AS n FROM events").get() as { n: number }).n;
      await until(() => count() > 0, 15000, "the first events recorded");
      // Held for ~1.5 s: several of docket's 200 ms inserts give up meanwhile.
      db.exec("BEGIN IMMEDIATE");
      const during = count();
      await new Promise((r) => setTimeout(r, 1500));
      db.exec("ROLLBACK");
      const out = await output;
      const stdout = new TextDecoder().decode(out.stdout);
      const stderr = new TextDecoder().decode(out.stderr);
      assert.doesNotMatch(stderr, STACK);
      const doc = JSON.parse(stdout); // one document
      assert.equal(doc.status, "succeeded", stdout);
      assert.ok(during < 60, "the lock was taken while the task still emitted events");
      const rows = db.prepare(
        `SELECT event_index, json_extract(event_json, '$.i') AS i FROM events
         WHERE run_id = ? ORDER BY event_index`,
      ).all(doc.run_id) as { event_index: number; i: number }[];
      assert.equal(rows.length, 60);
      rows.forEach((r, k) => {
        assert.equal(r.event_index, k, "indexes contiguous from 0");
        assert.equal(r.i, k, "each event once, in order");
      });
    } finally {
      db.close();
    }
  });
});

/** A store whose inserts fail while `failing` is set, recording what it accepted. */
function flakyStore() {
  const rows: { index: number; i: unknown }[] = [];
  const s = {
    failing: 0,
    rows,
    appendEvents(_run: string, _task: string, first: number, events: EventInput[]) {
      if (s.failing > 0) {
        s.failing--;
        throw new Error("database is locked");
      }
      events.forEach((e, k) => rows.push({ index: first + k, i: e.event.i }));
    },
  };
  return s;
}

function ev(i: number): EventInput {
  return { timestamp: "t", event_type: "tick", event: { type: "tick", i } };
}

Deno.test("EventSink keeps a batch whose insert failed and retries it: no gap, no duplicate", async () => {
  const store = flakyStore();
  const sink = new EventSink(store as unknown as EventStore, "r", "t");
  store.failing = 1_000_000;
  sink.push(ev(0));
  sink.push(ev(1));
  // The timer's flush fails: it must neither throw (uncaught) nor drop the batch.
  await until(() => store.failing < 1_000_000, 2000, "a timed flush");
  store.failing = 2;
  sink.push(ev(2));
  sink.flush(); // fails twice, then writes all three
  store.failing = 1_000_000;
  sink.push(ev(3));
  assert.throws(() => sink.flush(), /database is locked/); // gives up after bounded retries
  store.failing = 0;
  sink.push(ev(4));
  sink.flush();
  assert.deepEqual(store.rows, [0, 1, 2, 3, 4].map((i) => ({ index: i, i })));
});

Deno.test("cancel gives a TypeScript task its kill_grace_seconds to finish cleaning up", async () => {
  await withHome(async (h) => {
    const dir = `${h.dir}/work`;
    Deno.mkdirSync(dir);
    h.config(`tasks:
  tidy:
    kill_grace_seconds: 2
    destructive: true
    writes: ["${dir}"]
`);
    h.task(
      "tidy",
      `{ description: "d", async run(_c, ctx) {
        const keep = setInterval(() => {}, 1000);
        await Deno.writeTextFile(${JSON.stringify(dir + "/started")}, "1");
        await new Promise((r) => ctx.signal.addEventListener("abort", r));
        await new Promise((r) => setTimeout(r, 800)); // cleanup that takes a while
        await Deno.writeTextFile(${JSON.stringify(dir + "/cleaned")}, "1");
        clearInterval(keep);
        return { ok: false, summary: "stopped" };
      } }`,
    );
    const r = await h.run(["--json", "run", "tidy", "--async"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await fileWritten(`${dir}/started`, 15000);
    const c = await h.run(["--json", "cancel", r.json.run_id]);
    assert.equal(c.json.status, "cancelled", c.stdout);
    assert.equal(
      await fileWritten(`${dir}/cleaned`, 3000),
      "1",
      "the cleanup ran to the end (it used to be cut 200 ms after SIGTERM)",
    );
  });
});
