/**
 * docket's own files stay docket's, through the real CLI: the cache key that seals what docket
 * caches (config, drop-in metadata) is never a task's to read — neither through a `reads`
 * grant nor through a program the task starts inside the OS sandbox — while a user's file
 * beside it in the home stays readable (the positive control).
 */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const KEY_BYTES = 32;

Deno.test("a task cannot read docket's cache key through reads; a user file beside it is read", async () => {
  await withHome(async (h) => {
    Deno.writeTextFileSync(`${h.dir}/notes.txt`, "userdata");
    // The key exists once docket has sealed something (the first scan of a drop-in).
    const read = (p: string) =>
      `{ reads: ["${p}"], run: () => ({ ok: true, summary: "n=" + Deno.readFileSync("${p}").length }) }`;
    h.task("keyread", read(`${h.dir}/cache.key`));
    h.task("noteread", read(`${h.dir}/notes.txt`));
    assert.equal((await h.run(["--json", "list"])).code, 0);
    assert.equal(Deno.readFileSync(`${h.dir}/cache.key`).length, KEY_BYTES);

    const bad = await h.run(["--json", "run", "keyread"]);
    assert.equal(bad.code, 1, bad.stdout);
    assert.equal(bad.json.error.kind, "grant_refused", bad.stdout);
    assert.match(bad.json.error.message, /cache key/);
    assert.ok(!bad.stdout.includes(`n=${KEY_BYTES}`), bad.stdout);

    const ok = await h.run(["--json", "run", "noteread"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.equal(ok.json.summary, "n=8");
  });
});

Deno.test("a program a task starts cannot read docket's cache key; it reads a user file in the home", async () => {
  await withHome(async (h) => {
    Deno.writeTextFileSync(`${h.dir}/notes.txt`, "userdata");
    const cat = (p: string) =>
      `{ exec: ["cat"], run: async () => { const o = await new Deno.Command("cat", { args: ["${p}"] }).output(); return { ok: true, summary: "n=" + o.stdout.length } } }`;
    h.task("catkey", cat(`${h.dir}/cache.key`));
    h.task("catnote", cat(`${h.dir}/notes.txt`));
    assert.equal((await h.run(["--json", "list"])).code, 0);
    assert.equal(Deno.readFileSync(`${h.dir}/cache.key`).length, KEY_BYTES);
    const caps = await h.run(["--json", "describe", "catkey"]);
    const jailed = caps.json.task.child_argv?.[0]?.endsWith("bwrap");
    // CI has bubblewrap (.ci/run); without it exec programs are unconfined by design (advisory).
    assert.ok(
      jailed,
      `the OS sandbox is not in use here: ${JSON.stringify(caps.json.task.permissions.notes)}`,
    );

    const bad = await h.run(["--json", "run", "catkey"]);
    assert.equal(bad.json.status, "succeeded", bad.stdout);
    assert.equal(bad.json.summary, "n=0", "the key must read as empty inside the jail");

    const ok = await h.run(["--json", "run", "catnote"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.equal(ok.json.summary, "n=8");
  });
});
