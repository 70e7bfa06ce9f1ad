/** Declared paths are canonical: what is reported is what is granted, and nothing more. */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const SECRET = "other-run-secret-7f3a";

/** A task reading `file` and returning its text as the summary. */
const reader = (reads: string[], file: string) =>
  `{ description: "r", reads: ${JSON.stringify(reads)}, async run() {
    return { ok: true, summary: await Deno.readTextFile(${JSON.stringify(file)}) }; } }`;

Deno.test("a module's reads: [\"..\"] is refused: it read another run's scratch dir", async () => {
  // Another run's scratch dir, as docket makes them: /tmp/docket-<run_id>-*
  const other = Deno.makeTempDirSync({ prefix: "docket-20260101T000000000000Z-0000-" });
  Deno.writeTextFileSync(`${other}/token`, SECRET);
  try {
    await withHome(async (h) => {
      h.task("peek", reader([".."], `../${other.split("/").pop()}/token`));
      const r = await h.run(["--json", "run", "peek"]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.json.error.kind, "task_load_failed", r.stdout);
      assert.match(r.json.error.message, /reads entry "\.\." is relative/);
      assert.ok(!r.stdout.includes(SECRET) && !r.stderr.includes(SECRET), "secret read");
      const d = await h.run(["--json", "describe", "peek"]);
      assert.ok(!d.json.task.permissions.read.includes(".."));
      assert.ok(!d.json.task.deno_flags.join(" ").includes(".."));
      // positive control: the same file declared by its absolute path is readable
      h.task("peek", reader([other], `${other}/token`));
      const ok = await h.run(["--json", "run", "peek"]);
      assert.equal(ok.json.status, "succeeded", ok.stdout);
      assert.equal(ok.json.summary, SECRET);
    });
  } finally {
    Deno.removeSync(other, { recursive: true });
  }
});

Deno.test("config reads/writes are relative to the config file's folder, reported and granted so", async () => {
  await withHome(async (h) => {
    Deno.mkdirSync(`${h.dir}/data`);
    Deno.writeTextFileSync(`${h.dir}/data/f.txt`, "data");
    h.config(`tasks:\n  peek:\n    reads: ["./data/", "~/.docket-test-nonexistent/../x"]\n`);
    h.task(
      "peek",
      `{ description: "r", async run() {
      return { ok: true, summary: await Deno.readTextFile("${h.dir}/data/f.txt") }; } }`,
    );
    const d = await h.run(["--json", "describe", "peek"]);
    const read: string[] = d.json.task.permissions.read;
    assert.ok(read.includes(`${h.dir}/data`), JSON.stringify(read));
    assert.ok(read.includes(`${Deno.env.get("HOME")!.replace(/\/$/, "")}/x`), JSON.stringify(read));
    assert.ok(d.json.task.deno_flags[1].split(",").includes(`${h.dir}/data`));
    const r = await h.run(["--json", "run", "peek"]);
    assert.equal(r.json.status, "succeeded", r.stdout);
    assert.equal(r.json.summary, "data");
  });
});

Deno.test("a path with a comma is refused, not granted as two paths", async () => {
  await withHome(async (h) => {
    Deno.mkdirSync(`${h.dir}/secret`);
    Deno.writeTextFileSync(`${h.dir}/secret/s.txt`, SECRET);
    const split = [`/nonexistent,${h.dir}/secret`];
    // in the operator's config: the config is invalid
    h.config(`tasks:\n  peek:\n    reads: ${JSON.stringify(split)}\n`);
    h.task("peek", reader([], `${h.dir}/secret/s.txt`));
    const c = await h.run(["--json", "run", "peek"]);
    assert.equal(c.code, 1);
    assert.equal(c.json.error.kind, "config_invalid", c.stdout);
    assert.match(c.json.error.message, /tasks\.peek\.reads\.0: holds a ","/);
    assert.ok(!c.stdout.includes(SECRET));
    // declared by the module: the task fails to load, and is reported so
    h.config("");
    h.task("peek", reader(split, `${h.dir}/secret/s.txt`));
    const m = await h.run(["--json", "run", "peek"]);
    assert.equal(m.json.error.kind, "task_load_failed", m.stdout);
    assert.match(m.json.error.message, /holds a ","/);
    assert.ok(!m.stdout.includes(SECRET));
    const d = await h.run(["--json", "describe", "peek"]);
    assert.ok(!d.json.task.deno_flags[1].includes(`${h.dir}/secret`), d.json.task.deno_flags[1]);
    assert.ok(d.json.task.load_error);
    // positive control: the folder declared as itself is granted and read
    h.task("peek", reader([`${h.dir}/secret`], `${h.dir}/secret/s.txt`));
    const ok = await h.run(["--json", "run", "peek"]);
    assert.equal(ok.json.summary, SECRET, ok.stdout);
  });
});
