/**
 * Cleanup of a lost or killed run removes its scratch dir (issue 14.10): it may hold secrets,
 * and `/tmp/docket-<run_id>-*` stayed behind a runner killed with SIGKILL.
 */
import assert from "node:assert/strict";
import { fileWritten, type Home, pidAlive, until, withHome } from "./helpers.ts";

function scratchOf(runId: string): string[] {
  return [...Deno.readDirSync("/tmp")].filter((e) => e.name.startsWith(`docket-${runId}-`))
    .map((e) => `/tmp/${e.name}`);
}

/** Starts the sleeper and waits until its scratch dir holds the task's file. */
async function started(h: Home) {
  const r = await h.run(["--json", "run", "sleeper", "--async"]);
  assert.equal(r.code, 0, r.stdout);
  const id = r.json.run_id as string;
  await until(() => scratchOf(id).length === 1, 20000, "the scratch dir");
  await fileWritten(`${scratchOf(id)[0]}/secret.txt`, 20000);
  return { id, pid: r.json.pid as number, dir: scratchOf(id)[0]! };
}

Deno.test("a lost run's or a killed run's scratch dir is removed by the cleanup", async () => {
  await withHome(async (h) => {
    h.task(
      "sleeper",
      `{ description: "Writes a secret to scratch, then sleeps", run: async (_c, ctx) => {
        await Deno.writeTextFile(ctx.scratchDir + "/secret.txt", "s3cret");
        await new Promise((r) => setTimeout(r, 120000));
        return { ok: true, summary: "woke" };
      } }`,
    );
    const lost = await started(h);
    Deno.kill(lost.pid, "SIGKILL");
    await until(() => !pidAlive(lost.pid), 5000, "the runner to die");
    assert.equal(scratchOf(lost.id).length, 1, "positive control: kill -9 leaves it behind");
    const st = await h.run(["--json", "status", "--run-id", lost.id]);
    assert.equal(st.json.run.status, "lost", st.stdout);
    assert.deepEqual(scratchOf(lost.id), [], "the lost run's scratch dir is removed");

    // A runner that cannot act (stopped) is killed by cancel: its scratch goes too.
    const hung = await started(h);
    Deno.kill(hung.pid, "SIGSTOP");
    const c = await h.run(["--json", "cancel", hung.id, "--grace", "0.5"]);
    assert.equal(c.json.status, "cancelled", c.stdout);
    await until(() => !pidAlive(hung.pid), 5000, "the stopped runner to be killed");
    assert.deepEqual(scratchOf(hung.id), [], "the killed run's scratch dir is removed");
  });
});
