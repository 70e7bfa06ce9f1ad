/**
 * What `describe --dry-run` says about a jailed dry run is what the jail does: a TypeScript
 * task's programs cannot write its declared `writes` in a dry run (only scratch is bound
 * writable), and the report says so instead of "not limited"; the real run writes there.
 */
import assert from "node:assert/strict";
import { exists, loopbackServer, withHome } from "./helpers.ts";

Deno.test("a dry run's programs cannot write the declared writes, and describe --dry-run says so; the real run writes", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    try {
      const sh =
        `async () => { const o = await new Deno.Command("sh", { args: ["-c", "echo hi > ${outside}/x"] }).output(); return { ok: o.success, summary: "sh " + o.code } }`;
      h.task(
        "prog",
        `{ destructive: true, exec: ["sh"], writes: ["${outside}"], run: ${sh}, dryRun: ${sh} }`,
      );
      const d = await h.run(["--json", "describe", "prog", "--dry-run"]);
      const notes: string[] = d.json.task.permissions.notes;
      // CI has bubblewrap (.ci/run): this is a report about the OS layer.
      assert.equal(d.json.task.sandbox?.layer, "bwrap", JSON.stringify(notes));
      assert.ok(!notes.some((n) => /not limited by it/.test(n)), JSON.stringify(notes));
      assert.ok(notes.some((n) => /only scratch writable/.test(n)), JSON.stringify(notes));
      const dry = await h.run(["--json", "run", "prog", "--dry-run"]);
      assert.equal(dry.json.dry_run, true, dry.stdout);
      assert.ok(!exists(`${outside}/x`), "the dry run's program wrote outside scratch");

      const real = await h.run(["--json", "describe", "prog"]);
      assert.ok(
        real.json.task.permissions.notes.some((n: string) => /declared writes writable/.test(n)),
      );
      const ok = await h.run(["--json", "run", "prog"]);
      assert.equal(ok.json.status, "succeeded", ok.stdout);
      assert.equal(Deno.readTextFileSync(`${outside}/x`), "hi\n");
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});

Deno.test("a dryRun the metadata scan did not see never runs: describe says preview only, and nothing is executed; a declared dryRun runs", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const hit = (path: string) =>
        `async () => { await (await fetch("http://127.0.0.1:${srv.port}/${path}")).text(); return { ok: true, summary: "dryRun ran" } }`;
      const net = `network: ["127.0.0.1:${srv.port}"]`;
      // Shown only when the module runs with a run's permissions (not in the metadata scan).
      const atRun =
        `Deno.permissions.querySync({ name: "env", variable: "DOCKET_RUN_ID" }).state === "granted"`;
      h.task(
        "hidden",
        `{ ${net}, run: () => ({ ok: true, summary: "run" }), ...(${atRun} ? { dryRun: ${
          hit("hidden")
        } } : {}) }`,
      );
      h.task(
        "shown",
        `{ ${net}, run: () => ({ ok: true, summary: "run" }), dryRun: ${hit("shown")} }`,
      );
      const d = await h.run(["--json", "describe", "hidden"]);
      assert.equal(d.json.task.has_dry_run, false);
      const r = await h.run(["--json", "run", "hidden", "--dry-run"]);
      assert.equal(r.json.dry_run, true, r.stdout);
      assert.match(r.json.summary, /nothing was executed/);
      assert.deepEqual(srv.hits, [], "the hidden dryRun reached the server");

      assert.equal((await h.run(["--json", "describe", "shown"])).json.task.has_dry_run, true);
      const ok = await h.run(["--json", "run", "shown", "--dry-run"]);
      assert.equal(ok.json.summary, "dryRun ran", ok.stdout);
      assert.deepEqual(srv.hits, ["GET /shown"]);
    });
  } finally {
    await srv.close();
  }
});
