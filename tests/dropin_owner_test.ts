/**
 * Code another user could change never runs with the operator's section: a drop-in (or a
 * `module:` file) writable by its group or all users, or a tasks_dir others can write, is a
 * load error; the same file made private runs (the positive control).
 */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";

Deno.test("a drop-in others can write, or in a tasks_dir others can write, does not run; made private it runs", async () => {
  await withHome(async (h) => {
    const mark = `${h.dir}/ran`;
    h.config(`tasks:\n  shared: { destructive: true, writes: ["${mark}"] }\n`);
    const file = h.task(
      "shared",
      `{ run: () => { Deno.writeTextFileSync("${mark}", "1"); return { ok: true, summary: "ran" } } }`,
    );
    Deno.chmodSync(file, 0o666);
    const bad = await h.run(["--json", "run", "shared"]);
    assert.equal(bad.code, 1, bad.stdout);
    assert.equal(bad.json.error.kind, "task_load_failed", bad.stdout);
    assert.match(bad.json.error.message, /writable by all users/);
    assert.ok(!exists(mark), "the task ran");

    Deno.chmodSync(file, 0o644);
    Deno.chmodSync(`${h.dir}/tasks`, 0o777);
    const dir = await h.run(["--json", "run", "shared"]);
    assert.equal(dir.json.error?.kind, "task_load_failed", dir.stdout);
    assert.match(dir.json.error.message, /tasks_dir/);
    const list = await h.run(["--json", "list"]);
    const t = list.json.tasks.find((x: { name: string }) => x.name === "shared");
    assert.match(t.load_error.message, /writable by all users/);
    assert.ok(!exists(mark), "the task ran");

    Deno.chmodSync(`${h.dir}/tasks`, 0o755);
    const ok = await h.run(["--json", "run", "shared"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.ok(exists(mark));
  });
});

Deno.test("a module: file writable by its group does not load; made private it runs", async () => {
  await withHome(async (h) => {
    const mod = `${h.dir}/elsewhere.ts`;
    Deno.copyFileSync(h.task("tmp", `{ run: () => ({ ok: true, summary: "mod ran" }) }`), mod);
    Deno.removeSync(`${h.dir}/tasks/tmp.ts`);
    h.config(`tasks:\n  m: { type: module, module: "${mod}" }\n`);
    Deno.chmodSync(mod, 0o664);
    const bad = await h.run(["--json", "run", "m"]);
    assert.equal(bad.json.error?.kind, "task_load_failed", bad.stdout);
    assert.match(bad.json.error.message, /writable by its group/);
    Deno.chmodSync(mod, 0o644);
    const ok = await h.run(["--json", "run", "m"]);
    assert.equal(ok.json.summary, "mod ran", ok.stdout);
  });
});
