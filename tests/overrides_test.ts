/** --set cannot widen a task's sandbox: not directly, and not through a built-in's config. */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";

Deno.test("--set on a built-in cannot change the grants derived from its config", async () => {
  await withHome(async (h) => {
    for (const d of ["src", "dst", "other"]) Deno.mkdirSync(`${h.dir}/${d}`);
    Deno.writeTextFileSync(`${h.dir}/src/a.txt`, "a");
    Deno.writeTextFileSync(`${h.dir}/other/keepme`, "precious");
    h.config(
      `tasks:\n  backup:\n    tool: rsync\n    source: ${h.dir}/src\n    remote: ${h.dir}/dst\n`,
    );
    const moved = await h.run(["--json", "run", "backup", "--set", `remote=${h.dir}/other`]);
    assert.equal(moved.code, 1);
    assert.equal(moved.json.error.kind, "usage");
    assert.match(moved.json.error.message, /outside Deno.s sandbox/);
    assert.ok(exists(`${h.dir}/other/keepme`), "rsync --delete must not have run there");
    const args = await h.run([
      "--json",
      "run",
      "backup",
      "--set",
      `extra_args=["--log-file=${h.dir}/pwn.log"]`,
    ]);
    assert.equal(args.json.error.kind, "usage");
    assert.ok(!exists(`${h.dir}/pwn.log`));
    const ok = await h.run(["--json", "run", "backup"]);
    assert.equal(ok.json.status, "succeeded", JSON.stringify(ok.json.error));
    assert.ok(exists(`${h.dir}/dst/a.txt`));
  });
});

Deno.test("--set on a built-in may only change its limits (timeouts, retry)", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  health-check:\n    checks: [memory]\n    memory_threshold_pct: 100\n`);
    const limits = await h.run([
      "--json",
      "run",
      "health-check",
      "--set",
      "timeout_seconds=30",
      "--set",
      "retry=1",
    ]);
    assert.equal(limits.json.status, "succeeded", JSON.stringify(limits.json.error));
    const own = await h.run(["--json", "run", "health-check", "--set", "memory_threshold_pct=0"]);
    assert.equal(own.json.error.kind, "usage");
    assert.deepEqual(own.json.error.details.keys, ["memory_threshold_pct"]);
  });
});
