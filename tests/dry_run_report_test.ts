/**
 * What `describe --dry-run` says about a jailed dry run is what the jail does: a TypeScript
 * task's programs cannot write its declared `writes` in a dry run (only scratch is bound
 * writable), and the report says so instead of "not limited"; the real run writes there.
 */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";

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
      assert.ok(d.json.task.child_argv[0].endsWith("bwrap"), JSON.stringify(notes));
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
