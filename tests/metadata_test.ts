/**
 * Drop-in metadata through the real CLI: each module is read in its own realm, a module that
 * never finishes loading or exits is bounded, names are unambiguous, and the cache notices
 * edits that keep the size and mtime.
 */
import assert from "node:assert/strict";
import { until, withHome } from "./helpers.ts";

const netFlags = (flags: string[]) => flags.filter((f) => f.startsWith("--allow-net"));

const byName = (r: { json: { tasks: { name: string }[] } }, name: string) =>
  r.json.tasks.find((t) => t.name === name) as
    | { name: string; description: string; load_error: { message: string } | null }
    | undefined;

Deno.test("a drop-in that patches writeSync, TextEncoder and JSON.stringify cannot rewrite another's grants", async () => {
  await withHome(async (h) => {
    // Sorted first, so in a shared realm its patches would be in place when victim loads.
    h.task(
      "a",
      `{ description: "a", run: () => ({ ok: true, summary: "a" }) }`,
      `
const widen = (s: string) => s.replaceAll('["backup.example.com"]', "true")
  .replaceAll('"keep":1', '"keep":1,"target":"/etc"');
const stringify = JSON.stringify;
JSON.stringify = function (v: unknown, ...rest: unknown[]) {
  const o = v as Record<string, unknown> | null;
  if (o && typeof o === "object" && "network" in o) { o.network = true; o.defaults = { evil: 1 }; }
  return widen((stringify as any).call(JSON, v, ...rest));
} as typeof JSON.stringify;
const encode = TextEncoder.prototype.encode;
TextEncoder.prototype.encode = function (s?: string) { return encode.call(this, widen(String(s ?? ""))); };
const write = Deno.stdout.writeSync.bind(Deno.stdout);
Deno.stdout.writeSync = (b: Uint8Array) => {
  write(encode.call(new TextEncoder(), widen(new TextDecoder().decode(b))));
  return b.length;
};
`,
    );
    h.task(
      "victim",
      `{ description: "victim", network: ["backup.example.com"], defaults: { keep: 1 },
        schema: { keep: { type: "integer" } },
        run: () => ({ ok: true, summary: "v" }) }`,
    );
    // `list` reads every drop-in in one child and caches the results; `describe` then reads
    // the cache; with the cache gone, `describe` reads every drop-in itself.
    const list = await h.run(["--json", "list"]);
    assert.equal(byName(list, "a")?.load_error, null);
    for (const pass of ["after list", "cached", "cold describe"]) {
      if (pass === "cold describe") Deno.removeSync(`${h.dir}/cache/meta.json`);
      const r = await h.run(["--json", "describe", "victim"]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.json.task.load_error, null, pass);
      assert.deepEqual(netFlags(r.json.task.deno_flags), ["--allow-net=backup.example.com"], pass);
      assert.deepEqual(r.json.task.network, ["backup.example.com"], pass);
      assert.deepEqual(r.json.task.config, { keep: 1 }, pass);
    }
  });
});

Deno.test("a drop-in whose top level never finishes fails alone, and list returns within the bound", async () => {
  await withHome(async (h) => {
    h.task(
      "hang",
      `{ description: "hang", run: () => ({ ok: true, summary: "x" }) }`,
      `await new Promise(() => {});`,
    );
    h.task(
      "tick",
      `{ description: "tick", run: () => ({ ok: true, summary: "x" }) }`,
      `setInterval(() => {}, 1000);`,
    );
    h.task("fine", `{ description: "fine", run: () => ({ ok: true, summary: "x" }) }`);
    const t0 = Date.now();
    const r = await h.run(["--json", "list"]);
    const ms = Date.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(ms < 10_000, `list took ${ms} ms`);
    assert.match(byName(r, "hang")!.load_error!.message, /did not finish within 5 s/);
    assert.equal(byName(r, "tick")!.load_error, null, "a pending timer does not block the report");
    assert.equal(byName(r, "fine")!.description, "fine");
    assert.equal(byName(r, "fine")!.load_error, null);
    assert.ok(byName(r, "health-check"));
  });
});

Deno.test("a drop-in calling Deno.exit at top level does not end the scan for the others", async () => {
  await withHome(async (h) => {
    h.task(
      "a-exit",
      `{ description: "x", run: () => ({ ok: true, summary: "x" }) }`,
      `Deno.exit(0);`,
    );
    h.task("b-fine", `{ description: "b", run: () => ({ ok: true, summary: "x" }) }`);
    h.task(
      "c-reject",
      `{ description: "c", run: () => ({ ok: true, summary: "x" }) }`,
      `Promise.reject(new Error("stray"));`,
    );
    h.task("d-fine", `{ description: "d", run: () => ({ ok: true, summary: "x" }) }`);
    const r = await h.run(["--json", "list"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(byName(r, "a-exit")!.load_error!.message, /Deno\.exit\(\)/);
    assert.match(byName(r, "c-reject")!.load_error!.message, /stray/);
    assert.equal(byName(r, "b-fine")!.description, "b");
    assert.equal(byName(r, "d-fine")!.description, "d");
    assert.equal(byName(r, "b-fine")!.load_error, null);
    assert.equal(byName(r, "d-fine")!.load_error, null);
  });
});

Deno.test("two drop-ins claiming one name are both load errors and run refuses the name", async () => {
  await withHome(async (h) => {
    const marker = `${h.dir}/ran`;
    const run = `() => { Deno.writeTextFileSync(${
      JSON.stringify(marker)
    }, "x"); return { ok: true, summary: "x" }; }`;
    h.task("backup-job", `{ description: "real", network: ["backup.example.com"], run: ${run} }`);
    h.task(
      "zz-impostor",
      `{ name: "backup-job", description: "fake", network: true, run: ${run} }`,
    );
    const list = await h.run(["--json", "list"]);
    const t = byName(list, "backup-job")!;
    assert.match(t.load_error!.message, /more than one module claims its name/);
    assert.ok(t.load_error!.message.includes(`${h.dir}/tasks/backup-job.ts`));
    assert.ok(t.load_error!.message.includes(`${h.dir}/tasks/zz-impostor.ts`));
    assert.equal(byName(list, "zz-impostor"), undefined);
    const d = await h.run(["--json", "describe", "backup-job"]);
    assert.deepEqual(d.json.task.load_error, t.load_error);
    assert.deepEqual(netFlags(d.json.task.deno_flags), []);
    const r = await h.run(["--json", "run", "backup-job"]);
    assert.notEqual(r.code, 0);
    assert.equal(r.json.error.kind, "task_load_failed");
    assert.match(r.json.error.message, /more than one module claims its name/);
    let ran = true;
    try {
      Deno.statSync(marker);
    } catch {
      ran = false;
    }
    assert.ok(!ran, "neither module may run");
  });
});

Deno.test("a drop-in declaring a name that is not a task name is a load error", async () => {
  await withHome(async (h) => {
    h.task(
      "odd",
      `{ name: "../health-check", description: "x", run: () => ({ ok: true, summary: "x" }) }`,
    );
    h.task(
      "spacey",
      `{ name: "has space", description: "x", run: () => ({ ok: true, summary: "x" }) }`,
    );
    h.task(
      "typed",
      `{ name: "typed", description: "x", network: "*" as any, run: () => ({ ok: true, summary: "x" }) }`,
    );
    const r = await h.run(["--json", "list"]);
    assert.match(
      byName(r, "odd")!.load_error!.message,
      /its name "\.\.\/health-check" is not a task name/,
    );
    assert.match(
      byName(r, "spacey")!.load_error!.message,
      /its name "has space" is not a task name/,
    );
    assert.match(
      byName(r, "typed")!.load_error!.message,
      /"network" must be true, false or a list/,
    );
    assert.equal(byName(r, "health-check")!.load_error, null);
    const d = await h.run(["--json", "run", "odd"]);
    assert.equal(d.json.error.kind, "task_load_failed");
  });
});

/** Rewrites a drop-in with same-size content and puts its old mtime back (like rsync -a). */
function rewriteKeepingMtime(path: string, from: string, to: string): void {
  const before = Deno.statSync(path);
  const text = Deno.readTextFileSync(path);
  assert.ok(text.includes(from));
  assert.equal(new TextEncoder().encode(from).length, new TextEncoder().encode(to).length);
  Deno.writeTextFileSync(path, text.replace(from, to));
  Deno.utimeSync(path, before.atime!, before.mtime!);
  const after = Deno.statSync(path);
  assert.equal(after.size, before.size);
  assert.equal(after.mtime!.getTime(), before.mtime!.getTime());
}

Deno.test("a same-size edit that keeps the mtime is noticed: describe shows the new grants", async () => {
  await withHome(async (h) => {
    const path = h.task(
      "synced",
      `{ description: "s", network: true , run: () => ({ ok: true, summary: "x" }) }`,
    );
    // A file changed in the current second is not cached yet (ctime has whole seconds).
    const changed = Math.floor(Deno.statSync(path).ctime!.getTime() / 1000);
    await until(() => Math.floor(Date.now() / 1000) > changed, 3000, "the next second");
    const first = await h.run(["--json", "describe", "synced"]);
    assert.deepEqual(netFlags(first.json.task.deno_flags), ["--allow-net"]);
    const sealed = JSON.parse(Deno.readTextFileSync(`${h.dir}/cache/meta.json`));
    const cache = JSON.parse(sealed.body);
    assert.ok(cache[path], "the first describe caches the module");
    rewriteKeepingMtime(path, "network: true ,", "network: false,");
    const second = await h.run(["--json", "describe", "synced"]);
    assert.equal(second.json.task.network, false);
    assert.deepEqual(netFlags(second.json.task.deno_flags), []);
  });
});
