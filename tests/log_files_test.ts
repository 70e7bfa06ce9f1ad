/**
 * Log files are docket's own (issue 14.11): a symlink or a FIFO planted at logs/<run_id>.log
 * after the receipt made docket append task output to another file, or block with the task's
 * lock held. A logs_dir or home writable by other users is refused, in doctor too.
 */
import assert from "node:assert/strict";
import { exists, type Home, withHome } from "./helpers.ts";

/**
 * Starts an async run and freezes its runner before it opens the log, so `plant` can put
 * something at the log path first (retried when the runner was quicker than SIGSTOP).
 */
async function plantBeforeLog(h: Home, plant: (log: string) => void) {
  for (let tries = 0; tries < 8; tries++) {
    const r = await h.run(["--json", "run", "hello", "--async"]);
    assert.equal(r.code, 0, r.stdout);
    const { pid, log_path: log, run_id: id } = r.json;
    try {
      Deno.kill(pid, "SIGSTOP");
    } catch {
      // already done
    }
    let planted = false;
    try {
      if (!exists(log)) {
        plant(log);
        planted = true;
      }
    } catch {
      // the runner created it meanwhile
    }
    try {
      Deno.kill(pid, "SIGCONT");
    } catch {
      // already done
    }
    const w = await h.run(["--json", "wait", id, "--timeout", "60"]);
    if (planted) return { w, log, pid };
  }
  throw new Error("the runner always opened its log before it could be stopped");
}

Deno.test("a symlink or FIFO planted at a run's log path is replaced, never followed", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  hello:\n    command: ["echo", "task output"]\n`);
    await h.run(["--json", "runs"]); // logs_dir and the DB exist
    const victim = `${h.dir}/victim.txt`;
    Deno.writeTextFileSync(victim, "untouched\n");
    const viaLink = await plantBeforeLog(h, (log) => Deno.symlinkSync(victim, log));
    assert.equal(viaLink.w.json.status, "succeeded", viaLink.w.stdout);
    assert.equal(Deno.readTextFileSync(victim), "untouched\n", "the link's target is unchanged");
    assert.ok(Deno.lstatSync(viaLink.log).isFile, "the log is a regular file of docket's");
    assert.equal(Deno.readTextFileSync(viaLink.log), "task output\n");
    assert.match(viaLink.w.json.details.log_replaced, /symlink/);

    const viaFifo = await plantBeforeLog(h, (log) => {
      const mk = new Deno.Command("mkfifo", { args: [log] }).outputSync();
      assert.ok(mk.success);
    });
    assert.equal(viaFifo.w.json.status, "succeeded", "the runner did not block on the FIFO");
    assert.ok(Deno.lstatSync(viaFifo.log).isFile);
    assert.equal(Deno.readTextFileSync(viaFifo.log), "task output\n");
    assert.match(viaFifo.w.json.details.log_replaced, /special file/);
    const logs = await h.run(["logs", viaFifo.w.json.run_id]);
    assert.equal(logs.stdout, "task output\n");
  });
});

Deno.test("a logs_dir or home writable by other users is refused by run and doctor", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  hello:\n    command: ["echo", "hi"]\n`);
    const ok = await h.run(["--json", "run", "hello"]);
    assert.equal(ok.json.status, "succeeded", "positive control: a private home runs");
    for (
      const [label, dir, check] of [["logs_dir", `${h.dir}/logs`, "logs_dir"], [
        "DOCKET_HOME",
        h.dir,
        "home",
      ]]
    ) {
      for (const mode of [0o777, 0o770]) {
        Deno.chmodSync(dir!, mode);
        for (const extra of [[], ["--async"]]) {
          const r = await h.run(["--json", "run", "hello", ...extra]);
          assert.equal(r.code, 1, `${label} ${mode.toString(8)}: ${r.stdout}`);
          assert.equal(r.json.error.kind, "io_error", r.stdout);
          assert.match(r.json.error.message, new RegExp(`Refusing to use ${label} .*writable by`));
          assert.match(r.json.error.hint, /chmod go-w/);
        }
        const doc = await h.run(["--json", "doctor"]);
        assert.equal(doc.code, 1);
        const c = doc.json.checks.find((x: { name: string }) => x.name === check);
        assert.equal(c?.status, "fail", JSON.stringify(doc.json.checks));
        assert.match(c.message, /not private/);
      }
      Deno.chmodSync(dir!, 0o700);
    }
    const again = await h.run(["--json", "run", "hello"]);
    assert.equal(again.json.status, "succeeded");
    const runs = await h.run(["--json", "runs"]);
    assert.equal(runs.json.runs.length, 2, "refused runs left no row");
    const doc = await h.run(["--json", "doctor"]);
    for (const name of ["logs_dir", "home"]) {
      const c = doc.json.checks.find((x: { name: string }) => x.name === name);
      assert.ok(!c || c.status === "ok", JSON.stringify(c));
    }
  });
});
