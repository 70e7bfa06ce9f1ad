/**
 * Fault suite: kill -9 of the async runner at random moments, a write lock held past the busy
 * timeout, a corrupted state DB, an unusable log dir, a full disk. Nothing is corrupted, no
 * event is duplicated, every failure is a clear error.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { type Home, mountTmpfs, pidAlive, umount, until, withHome } from "./helpers.ts";

const STACK = /\n\s+at .*:\d+/;

function openDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA busy_timeout = 5000");
  return db;
}

function integrity(path: string): string {
  const db = openDb(path);
  try {
    return (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string })
      .integrity_check;
  } finally {
    db.close();
  }
}

function rmIf(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // not there
  }
}

/** Events are unique, contiguous from 0, and each is the line the task printed at that index. */
function checkEvents(db: DatabaseSync, runId: string): number {
  const rows = db.prepare(
    `SELECT event_index, json_extract(event_json, '$.i') AS i FROM events
     WHERE run_id = ? ORDER BY event_index`,
  ).all(runId) as { event_index: number; i: number }[];
  rows.forEach((r, k) => {
    assert.equal(r.event_index, k, `${runId}: event indexes must be contiguous from 0`);
    assert.equal(r.i, k, `${runId}: event ${k} must be the task's line ${k} (no duplicate)`);
  });
  return rows.length;
}

const EVENTS = 3000;

/** A jsonl command task printing `n` events, pausing every `every` lines. */
function emitter(h: Home, n: number, every: number, pause: string): string {
  const path = `${h.dir}/emit-${n}.sh`;
  Deno.writeTextFileSync(
    path,
    `i=0\nwhile [ $i -lt ${n} ]; do\n  echo "{\\"type\\":\\"tick\\",\\"i\\":$i}"\n  i=$((i+1))\n` +
      `  if [ $((i % ${every})) -eq 0 ]; then sleep ${pause}; fi\ndone\n`,
  );
  return path;
}

Deno.test("kill -9 of the async runner while events stream and around the final write", async () => {
  await withHome(async (h) => {
    const slow = emitter(h, EVENTS, 100, "0.05");
    const quick = emitter(h, 300, 1000, "0");
    const names: string[] = [];
    let cfg = "tasks:\n";
    for (let k = 0; k < 9; k++) {
      names.push(`ev${k}`);
      cfg += `  ev${k}:\n    command: ["sh", "${
        k < 6 ? slow : quick
      }"]\n    output_format: jsonl\n`;
    }
    h.config(cfg);
    await h.run(["--json", "runs"]); // creates the state DB
    const db = openDb(h.stateDb);
    try {
      // Moments: after the first events, mid-stream, near the end, just after the last line.
      const plans = [
        { task: "ev0", when: (n: number) => n > 0, extra: 0 },
        { task: "ev1", when: (n: number) => n > 0, extra: 150 + Math.random() * 300 },
        { task: "ev2", when: (n: number) => n >= EVENTS / 3, extra: Math.random() * 100 },
        { task: "ev3", when: (n: number) => n >= EVENTS / 2, extra: Math.random() * 300 },
        { task: "ev4", when: (n: number) => n >= EVENTS - 200, extra: Math.random() * 50 },
        { task: "ev5", when: (n: number) => n >= EVENTS - 100, extra: 80 + Math.random() * 80 },
        { task: "ev6", when: (n: number) => n >= 300, extra: 0 },
        { task: "ev7", when: (n: number) => n >= 300, extra: 5 + Math.random() * 20 },
        { task: "ev8", when: (n: number) => n >= 1, extra: Math.random() * 60 },
      ];
      const count = db.prepare("SELECT count(*) AS n FROM events WHERE run_id = ?");
      const outcomes = await Promise.all(plans.map(async (plan) => {
        const r = await h.run(["--json", "run", plan.task, "--async"]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const { run_id: runId, pid } = r.json as { run_id: string; pid: number };
        await until(
          () => plan.when((count.get(runId) as { n: number }).n) || !pidAlive(pid),
          20000,
          `${plan.task} events`,
        );
        await new Promise((res) => setTimeout(res, plan.extra));
        try {
          Deno.kill(pid, "SIGKILL");
        } catch {
          // it had already finished
        }
        return { ...plan, runId, pid };
      }));
      for (const o of outcomes) {
        await until(() => !pidAlive(o.pid), 5000, "runner gone");
        const st = await h.run(["--json", "status", "--run-id", o.runId]);
        assert.equal(st.code, 0, st.stdout);
        const status = st.json.run.status;
        assert.ok(["lost", "succeeded"].includes(status), `${o.task}: ${status}`);
        const n = checkEvents(db, o.runId);
        const want = o.task < "ev6" ? EVENTS : 300;
        if (status === "succeeded") assert.equal(n, want, `${o.task}: a finished run has all`);
        else assert.equal(st.json.run.error.kind, "lost");
        const row = db.prepare("SELECT task_pid FROM runs WHERE run_id = ?").get(o.runId) as {
          task_pid: number | null;
        };
        if (row.task_pid) {
          await until(() => !pidAlive(row.task_pid!), 5000, `${o.task}: orphaned task killed`);
        }
        console.log(`  ${o.task}: ${status} with ${n}/${want} events`);
      }
      assert.equal(integrity(h.stateDb), "ok");
      // Locks of the lost runs are taken over: every task can run again.
      const again = await h.run(["--json", "run", "ev8"]);
      assert.equal(again.json.status, "succeeded", again.stdout);
      assert.equal(checkEvents(db, again.json.run_id), 300);
    } finally {
      db.close();
    }
  });
});

Deno.test("a write lock held past the busy timeout gives a clear state_error, not a hang", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  hello:\n    command: ["echo", "hi"]\n`);
    const first = await h.run(["--json", "run", "hello"]);
    assert.equal(first.json.status, "succeeded");
    const holder = openDb(h.stateDb);
    holder.exec("BEGIN IMMEDIATE");
    try {
      const env = { DOCKET_BUSY_TIMEOUT_MS: "300" };
      const t0 = Date.now();
      const r = await h.run(["--json", "run", "hello"], { env });
      assert.equal(r.code, 1);
      assert.equal(r.json.error.kind, "state_error", r.stdout);
      assert.match(r.json.error.message, /database is locked/);
      assert.match(r.json.error.hint, /write lock/);
      assert.ok(Date.now() - t0 < 8000, "it must give up after the busy timeout");
      const human = await h.run(["run", "hello"], { env });
      assert.equal(human.code, 1);
      assert.match(human.stderr, /^error: Cannot use state database .*database is locked/);
      assert.doesNotMatch(human.stderr, STACK);
      // Readers are not blocked by a writer (WAL).
      const st = await h.run(["--json", "status", "hello"], { env });
      assert.equal(st.code, 0, st.stdout);
      assert.equal(st.json.last_run.status, "succeeded");
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    const runs = await h.run(["--json", "runs"]);
    assert.equal(runs.json.runs.length, 1, "the refused runs left no row");
    assert.equal(integrity(h.stateDb), "ok");
  });
});

Deno.test("a corrupted state DB: doctor says so, commands fail with state_error", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  hello:\n    command: ["echo", "hi"]\n`);
    for (let i = 0; i < 3; i++) await h.run(["--json", "run", "hello"]);
    const good = Deno.readFileSync(h.stateDb);
    const damages: [string, (b: Uint8Array) => void][] = [
      ["header overwritten", (b) => b.set(new TextEncoder().encode("garbage".repeat(8)), 0)],
      ["pages overwritten", (b) => b.set(crypto.getRandomValues(new Uint8Array(8192)), 4096)],
      ["truncated", (b) => b.fill(0, 0)],
    ];
    for (const [label, damage] of damages) {
      const bytes = good.slice();
      damage(bytes);
      Deno.writeFileSync(h.stateDb, label === "truncated" ? bytes.subarray(0, 1000) : bytes);
      for (const suffix of ["-wal", "-shm"]) rmIf(h.stateDb + suffix);
      const doc = await h.run(["--json", "doctor"]);
      assert.equal(doc.code, 1, `${label}: ${doc.stdout}`);
      const check = doc.json.checks.find((c: { name: string }) => c.name === "state db");
      assert.equal(check.status, "fail", `${label}: ${JSON.stringify(check)}`);
      assert.match(check.message, /not a database|malformed|integrity check failed/, label);
      for (const args of [["status"], ["runs"], ["run", "hello"], ["run", "hello", "--async"]]) {
        const r = await h.run(["--json", ...args]);
        assert.equal(r.code, 1, `${label} ${args}: ${r.stdout}`);
        assert.equal(r.json.error.kind, "state_error", `${label} ${args}: ${r.stdout}`);
        assert.match(r.json.error.hint, /damaged|move it aside/i, `${label} ${args}`);
        assert.doesNotMatch(r.stdout + r.stderr, STACK);
      }
    }
  });
});

Deno.test("logs_dir that cannot be created: a clear io_error and no run left behind", async () => {
  await withHome(async (h) => {
    Deno.writeTextFileSync(`${h.dir}/afile`, "a regular file");
    h.config(`logs_dir: ./afile/logs\ntasks:\n  hello:\n    command: ["echo", "hi"]\n`);
    for (const extra of [[], ["--async"]]) {
      const r = await h.run(["--json", "run", "hello", ...extra]);
      assert.equal(r.code, 1);
      assert.equal(r.json.error.kind, "io_error", r.stdout);
      assert.match(r.json.error.message, /Cannot create logs_dir ".*afile\/logs": Not a directory/);
    }
    const runs = await h.run(["--json", "runs"]);
    assert.deepEqual(runs.json.runs, []);
    const doc = await h.run(["--json", "doctor"]);
    const check = doc.json.checks.find((c: { name: string }) => c.name === "logs_dir");
    assert.equal(check.status, "fail");
  });
});

Deno.test("disk full (tmpfs): the log's end is recorded, a full state DB is a clear error, nothing corrupted", async () => {
  await withHome(async (h) => {
    const logs = `${h.dir}/logs`;
    const state = `${h.dir}/state`;
    const why = await mountTmpfs(logs, "1m");
    if (why) {
      console.log(`  skipped: cannot mount a tmpfs here (${why})`);
      return;
    }
    try {
      const whyState = await mountTmpfs(state, "512k");
      assert.equal(whyState, undefined);
      h.config(`state_dir: ./state/state.db
logs_dir: ./logs
tasks:
  flood:
    command: ["sh", "-c", "yes 0123456789012345678901234567890123456789 | head -c 3000000"]
  hello:
    command: ["echo", "hi"]
`);
      const f = await h.run(["--json", "run", "flood"]);
      assert.equal(f.json.status, "succeeded", f.stdout.slice(0, 400));
      assert.match(f.json.details.log_error, /No space left on device/);
      const size = Deno.statSync(f.json.log_path).size;
      assert.equal(f.json.details.log_bytes_written, size, "details say where the log stops");
      assert.ok(size > 0 && size <= 1024 * 1024);
      Deno.removeSync(f.json.log_path);
      // Fill the state's disk, then try to record a run.
      const filler = `${state}/filler`;
      const fh = Deno.openSync(filler, { create: true, write: true });
      try {
        const block = new Uint8Array(4096);
        while (true) fh.writeSync(block);
      } catch {
        // ENOSPC: full
      } finally {
        fh.close();
      }
      let refused = 0;
      for (let i = 0; i < 3; i++) {
        const r = await h.run(["--json", "run", "hello"]);
        if (r.code === 0) continue; // a page was still free
        refused++;
        assert.equal(r.json.error.kind, "state_error", r.stdout);
        assert.match(r.json.error.message, /disk is full|disk I\/O error/);
        assert.doesNotMatch(r.stdout + r.stderr, STACK);
      }
      assert.ok(refused > 0, "a full disk must refuse at least one run");
      Deno.removeSync(filler);
      assert.equal(integrity(`${state}/state.db`), "ok");
      const ok = await h.run(["--json", "run", "hello"]);
      assert.equal(ok.json.status, "succeeded", ok.stdout);
      const runs = await h.run(["--json", "runs"]);
      assert.equal(runs.code, 0);
      assert.ok(runs.json.runs.every((r: { status: string }) => r.status !== "running"));
    } finally {
      await umount(state);
      await umount(logs);
    }
  });
});
