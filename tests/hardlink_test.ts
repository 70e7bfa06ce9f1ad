/** A hard-linked file inside a declared `writes` path is refused: it is a file outside it too. */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

Deno.test("a writes path holding a hard link to an outside file is refused; doctor reports it", async () => {
  await withHome(async (h) => {
    const outside = `${h.dir}/outside`;
    const wdir = `${h.dir}/wdir`;
    for (const d of [outside, wdir]) Deno.mkdirSync(d);
    Deno.writeTextFileSync(`${outside}/victim.txt`, "original");
    Deno.writeTextFileSync(`${wdir}/note.txt`, "old");
    h.config(`tasks:\n  writer:\n    destructive: true\n    writes: ["${wdir}"]\n`);
    h.task(
      "writer",
      `{ description: "w", async run() {
        await Deno.writeTextFile("${wdir}/note.txt", "clobbered"); return { ok: true, summary: "w" }; } }`,
    );
    // positive control: a single-link file inside the grant is written
    const ok = await h.run(["--json", "run", "writer"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.equal(Deno.readTextFileSync(`${wdir}/note.txt`), "clobbered");
    const clean = await h.run(["--json", "doctor"]);
    assert.ok(!JSON.stringify(clean.json.checks).includes("hard-linked"));

    Deno.removeSync(`${wdir}/note.txt`);
    Deno.linkSync(`${outside}/victim.txt`, `${wdir}/note.txt`);
    const r = await h.run(["--json", "run", "writer"]);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.json.error.kind, "permission_denied", r.stdout);
    assert.equal(r.json.error.details.permission, "write");
    assert.equal(r.json.error.details.target, `${wdir}/note.txt`);
    assert.match(r.json.error.message, /2 hard links/);
    assert.equal(Deno.readTextFileSync(`${outside}/victim.txt`), "original", "outside file kept");
    // a declared file (not a folder) is checked too
    h.config(`tasks:\n  writer:\n    destructive: true\n    writes: ["${wdir}/note.txt"]\n`);
    const f = await h.run(["--json", "run", "writer"]);
    assert.equal(f.json.error.kind, "permission_denied", f.stdout);
    assert.equal(Deno.readTextFileSync(`${outside}/victim.txt`), "original");

    const doc = await h.run(["--json", "doctor"]);
    const check = doc.json.checks.find((c: { name: string }) => c.name === "task writer paths");
    assert.equal(check?.status, "warn", JSON.stringify(doc.json.checks));
    assert.match(
      check.message,
      /hard-linked file\(s\) inside declared writes: .*note\.txt \(2 links\)/,
    );
  });
});
