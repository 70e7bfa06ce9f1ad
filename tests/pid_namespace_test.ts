/**
 * Lost means lost (issue 14.9): a run started in another PID namespace (a container sharing the
 * home) was marked `lost` from outside and its lock taken while it ran, because its pid named
 * another process here. Runs of another namespace are judged by their heartbeat.
 */
import assert from "node:assert/strict";
import { type Home, MAIN, until, withHome } from "./helpers.ts";

const BEAT = { DOCKET_HEARTBEAT_MS: "200" }; // stale after 1.2 s

/** `docket --json run <task>` in a new PID namespace (unshare), not awaited. */
function runInNamespace(h: Home, task: string): Deno.ChildProcess {
  return new Deno.Command("unshare", {
    args: [
      "--pid",
      "--fork",
      "--kill-child", // unshare's death kills the namespace: nothing outlives the test
      "--mount-proc",
      Deno.execPath(),
      "run",
      "-A",
      MAIN,
      "--json",
      "run",
      task,
    ],
    env: { ...h.env, ...BEAT },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function activeRun(h: Home, task: string) {
  let run: { run_id: string; status: string; pid: number } | undefined;
  await until(
    async () => {
      const r = await h.run(["--json", "runs"], { env: BEAT });
      run = r.json.runs?.find((x: { task: string }) => x.task === task);
      return run !== undefined;
    },
    30000,
    `a run of ${task}`,
  );
  return run!;
}

Deno.test("a run in another PID namespace is judged by its heartbeat: alive while it beats, lost when it stops", async () => {
  await withHome(async (h) => {
    const go = `${h.dir}/go`;
    h.config(`tasks:
  gated:
    command: ["sh", "-c", "while [ ! -e ${go} ]; do sleep 0.05; done; echo done"]
  other:
    command: ["sleep", "300"]
`);
    await h.run(["--json", "runs"]);
    const started: Deno.ChildProcess[] = [];
    try {
      const inside = runInNamespace(h, "gated");
      started.push(inside);
      const run = await activeRun(h, "gated");
      assert.equal(run.status, "running");
      assert.ok(run.pid < 10, `its pid (${run.pid}) is one of the namespace's`);
      // Longer than the stale bound: every look from outside still sees it running.
      const until2 = Date.now() + 2500;
      while (Date.now() < until2) {
        const st = await h.run(["--json", "status", "--run-id", run.run_id], { env: BEAT });
        assert.equal(st.json.run.status, "running", st.stdout);
        await new Promise((r) => setTimeout(r, 200));
      }
      const second = await h.run(["--json", "run", "gated"], { env: BEAT });
      assert.equal(second.json.error?.kind, "lock_held", "its lock is not taken: " + second.stdout);
      const c = await h.run(["--json", "cancel", run.run_id], { env: BEAT });
      assert.equal(c.json.error?.kind, "not_supported", "no signal to a pid of another namespace");
      Deno.writeTextFileSync(go, "1");
      const out = await inside.output();
      assert.equal(out.code, 0, new TextDecoder().decode(out.stdout));
      const done = await h.run(["--json", "status", "--run-id", run.run_id], { env: BEAT });
      assert.equal(done.json.run.status, "succeeded", done.stdout);

      // Positive control: a namespace killed with its runner stops beating and becomes lost.
      const doomed = runInNamespace(h, "other");
      started.push(doomed);
      const o = await activeRun(h, "other");
      doomed.kill("SIGKILL"); // --kill-child: its namespace's init, and so all in it, die too
      await doomed.status;
      await until(
        async () => {
          const st = await h.run(["--json", "status", "--run-id", o.run_id], { env: BEAT });
          return st.json.run.status === "lost";
        },
        20000,
        "the killed namespace's run to be lost",
      );
      const again = await h.run(["--json", "run", "gated"], { env: BEAT });
      assert.equal(again.json.status, "succeeded", again.stdout);
    } finally {
      for (const c of started) {
        try {
          c.kill("SIGKILL");
        } catch {
          // already ended
        }
        await c.output().catch(() => {});
      }
    }
  });
});
