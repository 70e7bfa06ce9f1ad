/**
 * Retention and file permissions: `docket prune` removes runs, events and logs together within
 * history.keep_runs/keep_days, never a running run or a task's latest state; docket's files
 * are private (state 0700/0600, logs 0600).
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { exists, type Home, withHome } from "./helpers.ts";

function db(h: Home): DatabaseSync {
  const d = new DatabaseSync(h.stateDb);
  d.exec("PRAGMA busy_timeout = 5000");
  return d;
}

function count(h: Home, sql: string, ...args: string[]): number {
  const d = db(h);
  try {
    return (d.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    d.close();
  }
}

Deno.test("prune removes runs, events and logs within keep_runs/keep_days; never running or latest", async () => {
  await withHome(async (h) => {
    h.config(`history:
  keep_runs: 3
  keep_days: 30
tasks:
  ev:
    command: ["sh", "-c", "for i in 0 1 2 3 4; do echo '{\\"type\\":\\"tick\\"}'; done"]
    output_format: jsonl
  other:
    command: ["echo", "hi"]
  slow:
    command: ["sleep", "30"]
`);
    const ev: { run_id: string; log_path: string }[] = [];
    for (let i = 0; i < 5; i++) ev.push((await h.run(["--json", "run", "ev"])).json);
    const o1 = (await h.run(["--json", "run", "other"])).json;
    const o2 = (await h.run(["--json", "run", "other"])).json;
    const slow = (await h.run(["--json", "run", "slow", "--async"])).json;
    try {
      // Age "other"'s runs and the running one past keep_days.
      const old = new Date(Date.now() - 60 * 86_400_000).toISOString();
      const d = db(h);
      d.prepare("UPDATE runs SET finished_at = ? WHERE task_name = 'other'").run(old);
      d.prepare("UPDATE runs SET started_at = ? WHERE run_id = ?").run(old, slow.run_id);
      d.close();
      const gone = [ev[0]!, ev[1]!, o1];
      const dry = await h.run(["--json", "prune", "--dry-run"]);
      assert.equal(dry.code, 0, dry.stdout);
      assert.deepEqual(dry.json.counts, {
        runs: 3,
        events: 10,
        logs: 3,
        log_bytes: dry.json.counts.log_bytes,
      });
      assert.ok(dry.json.counts.log_bytes > 0);
      assert.deepEqual(
        dry.json.runs.map((r: { run_id: string; reason: string }) => [r.run_id, r.reason]),
        [[ev[0]!.run_id, "keep_runs"], [ev[1]!.run_id, "keep_runs"], [o1.run_id, "keep_days"]],
      );
      assert.equal(count(h, "SELECT count(*) AS n FROM runs"), 8, "a dry run removes nothing");
      assert.ok(gone.every((r) => exists(r.log_path)));

      const p = await h.run(["--json", "prune"]);
      assert.equal(p.code, 0, p.stdout);
      assert.deepEqual(p.json.counts, dry.json.counts);
      assert.equal(count(h, "SELECT count(*) AS n FROM runs"), 5);
      for (const r of gone) {
        assert.equal(count(h, "SELECT count(*) AS n FROM runs WHERE run_id = ?", r.run_id), 0);
        assert.equal(count(h, "SELECT count(*) AS n FROM events WHERE run_id = ?", r.run_id), 0);
        assert.ok(!exists(r.log_path), `log of ${r.run_id} removed`);
      }
      for (const r of [ev[2]!, ev[3]!, ev[4]!]) {
        assert.equal(count(h, "SELECT count(*) AS n FROM events WHERE run_id = ?", r.run_id), 5);
        assert.ok(exists(r.log_path));
      }
      // The latest state of "other" (60 days old) and the running run stay.
      const st = await h.run(["--json", "status", "other"]);
      assert.equal(st.json.last_run.run_id, o2.run_id);
      const running = await h.run(["--json", "status", "--run-id", slow.run_id]);
      assert.equal(running.json.run.status, "running");

      const again = await h.run(["--json", "prune"]);
      assert.equal(again.json.counts.runs, 0, "pruning is idempotent");
      const one = await h.run(["--json", "prune", "--keep-runs", "1"]);
      assert.deepEqual(
        one.json.runs.map((r: { run_id: string }) => r.run_id),
        [ev[2]!.run_id, ev[3]!.run_id],
      );
      const human = await h.run(["prune", "--dry-run"]);
      assert.match(human.stdout, /^Would prune 0 run\(s\), 0 event\(s\) and 0 log file\(s\)/);
      for (const bad of [["--keep-runs", "0"], ["--keep-runs", "1.5"], ["--keep-days", "x"]]) {
        const r = await h.run(["--json", "prune", ...bad]);
        assert.equal(r.code, 1);
        assert.equal(r.json.error.kind, "usage");
      }
    } finally {
      await h.run(["--json", "cancel", slow.run_id, "--grace", "0"]);
    }
  });
});

Deno.test("prune without history limits removes nothing and says why", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  other:\n    command: ["echo", "hi"]\n`);
    await h.run(["--json", "run", "other"]);
    const r = await h.run(["--json", "prune"]);
    assert.equal(r.code, 0);
    assert.equal(r.json.counts.runs, 0);
    assert.match(r.json.message, /No history limits/);
    assert.equal(count(h, "SELECT count(*) AS n FROM runs"), 1);
  });
});

function mode(p: string): number {
  return Deno.statSync(p).mode! & 0o777;
}

Deno.test("docket's files are private: home and logs 0700, state DB, logs and cache 0600", async () => {
  await withHome(async (h) => {
    const home = `${h.dir}/fresh`; // docket creates it
    const config = `${h.dir}/config.yaml`;
    const env = { DOCKET_HOME: home, DOCKET_CONFIG: config };
    h.config(`tasks:\n  hi:\n    command: ["echo", "hi"]\n`);
    Deno.chmodSync(config, 0o600);
    const r = await h.run(["--json", "run", "hi"], { env });
    assert.equal(r.json.status, "succeeded", r.stdout);
    assert.equal(mode(home), 0o700);
    assert.equal(mode(`${home}/state.db`), 0o600);
    assert.equal(mode(`${home}/logs`), 0o700);
    assert.equal(mode(r.json.log_path), 0o600);
    assert.equal(mode(`${home}/cache`), 0o700);
    for (const e of Deno.readDirSync(`${home}/cache`)) {
      assert.equal(mode(`${home}/cache/${e.name}`), 0o600);
    }
    // A state dir docket creates itself is 0700.
    Deno.writeTextFileSync(config, `state_dir: ./state/sub/state.db\n`);
    await h.run(["--json", "status"], { env });
    assert.equal(mode(`${h.dir}/state/sub`), 0o700);
    assert.equal(mode(`${h.dir}/state/sub/state.db`), 0o600);
    // doctor warns about a world-readable config.
    Deno.chmodSync(config, 0o644);
    const doc = await h.run(["--json", "doctor"], { env });
    const c = doc.json.checks.find((x: { name: string }) => x.name === "config permissions");
    assert.equal(c?.status, "warn", JSON.stringify(doc.json.checks));
  });
});
