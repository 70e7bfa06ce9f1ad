/**
 * A result is never lost because it could not be written at once (issue 14.7): another
 * process holds an exclusive SQLite lock as a run ends. The runner keeps trying for a bounded
 * time, then spools the outcome next to the log; hooks run once the outcome is known; the next
 * command that opens the store records it.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { exists, type Home, mountTmpfs, pidAlive, umount, until, withHome } from "./helpers.ts";

/** A real second process holding BEGIN EXCLUSIVE on `db` until `release` exists (or `ms`). */
async function holdLock(db: string, dir: string, ms: number) {
  const ready = `${dir}/lock-ready`;
  const release = `${dir}/lock-release`;
  const code = `
    import { DatabaseSync } from "node:sqlite";
    const db = new DatabaseSync(${JSON.stringify(db)});
    db.exec("PRAGMA busy_timeout = 10000");
    db.exec("BEGIN EXCLUSIVE");
    Deno.writeTextFileSync(${JSON.stringify(ready)}, "1");
    const end = Date.now() + ${ms};
    while (Date.now() < end) {
      try { Deno.statSync(${JSON.stringify(release)}); break; } catch { /* hold on */ }
      await new Promise((r) => setTimeout(r, 20));
    }
    db.exec("COMMIT");
    db.close();`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", code],
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  await until(() => exists(ready), 20000, "the lock holder to hold the lock");
  return {
    release: () => Deno.writeTextFileSync(release, "1"),
    done: child.status,
  };
}

/** A command task that waits for `go`, then succeeds; on_success writes `hook`. */
function gatedTask(h: Home): { go: string; hook: string } {
  const go = `${h.dir}/go`;
  const hook = `${h.dir}/hook-ran`;
  h.config(`tasks:
  gated:
    command: ["sh", "-c", "while [ ! -e ${go} ]; do sleep 0.05; done; echo finished"]
    on_success: "echo $DOCKET_STATUS > ${hook}.tmp && mv ${hook}.tmp ${hook}"
`);
  // Written whole, then renamed: the file exists only once it holds the status (a shell's \`>\`
  // creates it empty before echo writes, which a poll under load can see).
  return { go, hook };
}

async function startGated(h: Home, env: Record<string, string> = {}) {
  const r = await h.run(["--json", "run", "gated", "--async"], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const id = r.json.run_id as string;
  // The task is running and recorded: the lock comes as it ends, not as it starts.
  await until(
    async () => {
      const st = await h.run(["--json", "status", "--run-id", id]);
      return st.json.run.status === "running" && exists(`${h.dir}/logs/${id}.log`);
    },
    20000,
    "the task to start",
  );
  return { id, pid: r.json.pid as number };
}

Deno.test("a write lock held 14 s as a run ends: the runner keeps trying, the run succeeds and its hooks run", async () => {
  await withHome(async (h) => {
    const { go, hook } = gatedTask(h);
    await h.run(["--json", "runs"]);
    const { id, pid } = await startGated(h);
    const lock = await holdLock(h.stateDb, h.dir, 14000);
    Deno.writeTextFileSync(go, "1");
    await until(() => !pidAlive(pid), 90000, "the runner to finish");
    assert.equal((await lock.done).code, 0);
    const st = await h.run(["--json", "status", "--run-id", id]);
    assert.equal(st.json.run.status, "succeeded", st.stdout);
    assert.equal(st.json.run.summary.includes("locked"), false);
    assert.equal(Deno.readTextFileSync(hook).trim(), "succeeded");
    assert.equal(st.json.run.hooks[0]?.ok, true, JSON.stringify(st.json.run.hooks));
    assert.ok(!exists(`${h.dir}/logs/${id}.outcome.json`), "nothing left spooled");
  });
});

Deno.test("a lock held past the retry bound: the outcome is spooled, hooks run, the next command records it", async () => {
  await withHome(async (h) => {
    const { go, hook } = gatedTask(h);
    await h.run(["--json", "runs"]);
    const env = { DOCKET_BUSY_TIMEOUT_MS: "200", DOCKET_RECORD_RETRY_MS: "600" };
    const { id, pid } = await startGated(h, env);
    const lock = await holdLock(h.stateDb, h.dir, 120000);
    const spool = `${h.dir}/logs/${id}.outcome.json`;
    try {
      Deno.writeTextFileSync(go, "1");
      // Hooks run on the known outcome while the store still refuses writes.
      await until(() => exists(hook), 30000, "the hook to run");
      assert.equal(Deno.readTextFileSync(hook).trim(), "succeeded");
      await until(() => !pidAlive(pid), 30000, "the runner to exit");
      assert.ok(exists(spool), "the outcome waits in its spool");
      const spooled = JSON.parse(Deno.readTextFileSync(spool));
      assert.equal(spooled.finish.status, "succeeded");
      assert.equal(Deno.statSync(spool).mode! & 0o777, 0o600);
      // A command that cannot write yet reads the run as still running, never lost.
      const mid = await h.run(["--json", "runs"], { env });
      if (mid.code === 0) assert.equal(mid.json.runs[0].status, "running", mid.stdout);
      else assert.equal(mid.json.error.kind, "state_error", mid.stdout);
    } finally {
      lock.release();
      await lock.done;
    }
    const st = await h.run(["--json", "status", "--run-id", id]);
    assert.equal(st.json.run.status, "succeeded", st.stdout);
    assert.equal(st.json.run.error, null);
    assert.equal(st.json.run.hooks[0]?.name, "on_success", JSON.stringify(st.json.run.hooks));
    assert.equal(st.json.run.hooks[0]?.ok, true);
    assert.ok(!exists(spool), "delivered, then removed");
    // Positive control: the task's lock is free again and the same task runs and records.
    const again = await h.run(["--json", "run", "gated"]);
    assert.equal(again.json.status, "succeeded", again.stdout);
  });
});

Deno.test("a runner killed while it retries: its spooled outcome is recorded, not lost", async () => {
  await withHome(async (h) => {
    const { go } = gatedTask(h);
    await h.run(["--json", "runs"]);
    const env = { DOCKET_BUSY_TIMEOUT_MS: "200" }; // the default 60 s of retries
    const { id, pid } = await startGated(h, env);
    const lock = await holdLock(h.stateDb, h.dir, 120000);
    const spool = `${h.dir}/logs/${id}.outcome.json`;
    try {
      Deno.writeTextFileSync(go, "1");
      await until(() => exists(spool), 30000, "the outcome to be spooled");
      assert.ok(pidAlive(pid), "the runner is still retrying");
      Deno.kill(pid, "SIGKILL");
      await until(() => !pidAlive(pid), 5000, "the runner to die");
    } finally {
      lock.release();
      await lock.done;
    }
    const st = await h.run(["--json", "status", "--run-id", id]);
    assert.equal(st.json.run.status, "succeeded", st.stdout);
    assert.ok(!exists(spool));
    // Positive control: without a spool, a killed runner's run is lost.
    Deno.removeSync(go);
    const next = await startGated(h);
    Deno.kill(next.pid, "SIGKILL");
    await until(() => !pidAlive(next.pid), 5000, "the runner to die");
    const lost = await h.run(["--json", "status", "--run-id", next.id]);
    assert.equal(lost.json.run.status, "lost", lost.stdout);
  });
});

Deno.test("the state DB's disk fills as a run ends: the outcome is spooled on the logs disk and recorded once there is room", async () => {
  await withHome(async (h) => {
    const state = `${h.dir}/state`;
    const logs = `${h.dir}/logs`;
    assert.equal(await mountTmpfs(state, "512k"), undefined, "tmpfs for the state DB");
    try {
      assert.equal(await mountTmpfs(logs, "1m"), undefined, "tmpfs for the logs");
      const go = `${h.dir}/go`;
      const hook = `${h.dir}/hook-ran`;
      h.config(`state_dir: ./state/state.db
logs_dir: ./logs
tasks:
  gated:
    command: ["sh", "-c", "while [ ! -e ${go} ]; do sleep 0.05; done; echo finished"]
    on_success: "echo $DOCKET_STATUS > ${hook}.tmp && mv ${hook}.tmp ${hook}"
`);
      // Written whole, then renamed: the file exists only once it holds the status (a shell's \`>\`
      // creates it empty before echo writes, which a poll under load can see).
      await h.run(["--json", "runs"]);
      const env = { DOCKET_BUSY_TIMEOUT_MS: "200", DOCKET_RECORD_RETRY_MS: "600" };
      const r = await h.run(["--json", "run", "gated", "--async"], { env });
      assert.equal(r.code, 0, r.stdout);
      const { run_id: id, pid } = r.json;
      const db = new DatabaseSync(`${state}/state.db`);
      try {
        await until(
          () => {
            const row = db.prepare("SELECT task_pid FROM runs WHERE run_id = ?").get(id) as {
              task_pid: number | null;
            };
            return (row?.task_pid ?? 0) > 0;
          },
          20000,
          "the task to start",
        );
        // An empty WAL, then a full disk: the next write has nowhere to go.
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      } finally {
        db.close();
      }
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
      Deno.writeTextFileSync(go, "1");
      await until(() => !pidAlive(pid), 30000, "the runner to finish");
      const spool = `${logs}/${id}.outcome.json`;
      assert.ok(exists(spool), "the outcome waits in its spool on the logs disk");
      assert.equal(Deno.readTextFileSync(hook).trim(), "succeeded", "hooks ran on it");
      const mid = await h.run(["--json", "status", "--run-id", id], { env });
      if (mid.code === 0) assert.equal(mid.json.run.status, "running", "not lost");
      Deno.removeSync(filler);
      const st = await h.run(["--json", "status", "--run-id", id]);
      assert.equal(st.json.run.status, "succeeded", st.stdout);
      assert.equal(st.json.run.hooks[0]?.ok, true);
      assert.ok(!exists(spool));
    } finally {
      await umount(logs);
      await umount(state);
    }
  });
});
