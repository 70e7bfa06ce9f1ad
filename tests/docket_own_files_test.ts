/**
 * docket's own files stay docket's, through the real CLI: the cache key that seals what docket
 * caches (config, drop-in metadata) is never a task's to read — neither through a `reads`
 * grant nor through a program the task starts inside the OS sandbox — while a user's file
 * beside it in the home stays readable (the positive control).
 */
import assert from "node:assert/strict";
import { Home, withHome } from "./helpers.ts";

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
    const jailed = caps.json.task.sandbox?.layer === "bwrap";
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

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");

Deno.test("a task cannot write docket's own code (which docket runs with its own rights); the same task writes a declared folder", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    const probe = `${ROOT}/.docket-probe-${crypto.randomUUID().slice(0, 8)}`;
    try {
      const write = (dir: string, file: string) =>
        `{ destructive: true, writes: ["${dir}"], run: () => { Deno.writeTextFileSync("${file}", "planted"); return { ok: true, summary: "wrote" } } }`;
      h.task("plant", write(probe, probe));
      h.task("fine", write(`${outside}/out`, `${outside}/out`));
      const bad = await h.run(["--json", "run", "plant"]);
      assert.equal(bad.code, 1, bad.stdout);
      assert.equal(bad.json.error.kind, "grant_refused", bad.stdout);
      assert.match(bad.json.error.message, /docket's own code/);
      assert.throws(() => Deno.statSync(probe), "the file must not be written");
      const ok = await h.run(["--json", "run", "fine"]);
      assert.equal(ok.json.status, "succeeded", ok.stdout);
      assert.equal(Deno.readTextFileSync(`${outside}/out`), "planted");
    } finally {
      Deno.removeSync(outside, { recursive: true });
      try {
        Deno.removeSync(probe);
      } catch {
        // not written
      }
    }
  });
});

Deno.test("a task cannot write Deno's cache or binary (docket loads its own code from them); destructive-anywhere is denied there too", async () => {
  await withHome(async (h) => {
    const info = JSON.parse(
      new TextDecoder().decode(
        (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"] }).output()).stdout,
      ),
    );
    const denoDir: string = info.denoDir;
    const probe = `${denoDir}/docket-probe-${crypto.randomUUID().slice(0, 8)}`;
    try {
      h.task(
        "cachew",
        `{ destructive: true, writes: ["${probe}"], run: () => { Deno.writeTextFileSync("${probe}", "x"); return { ok: true, summary: "wrote" } } }`,
      );
      h.task(
        "binw",
        `{ destructive: true, writes: ["${Deno.execPath()}"], run: () => ({ ok: true, summary: "no" }) }`,
      );
      h.task(
        "anywhere",
        `{ destructive: true, run: () => { Deno.writeTextFileSync("${probe}", "x"); return { ok: true, summary: "wrote" } } }`,
      );
      for (const name of ["cachew", "binw"]) {
        const r = await h.run(["--json", "run", name]);
        assert.equal(r.json.error?.kind, "grant_refused", r.stdout);
      }
      const any = await h.run(["--json", "run", "anywhere"]);
      assert.equal(any.json.status, "failed", any.stdout);
      assert.match(any.json.summary, /Permission denied|NotCapable|permission/i);
      assert.throws(() => Deno.statSync(probe), "the file must not be written");
      const d = await h.run(["--json", "describe", "anywhere"]);
      const deny = d.json.task.deno_flags.find((f: string) => f.startsWith("--deny-write="));
      assert.ok(deny.split("=")[1].split(",").includes(denoDir), deny);
    } finally {
      try {
        Deno.removeSync(probe);
      } catch {
        // not written
      }
    }
  });
});

Deno.test("a write path through a symlinked folder cannot reach logs_dir before its file exists; the same link to an outside folder writes there", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    const links = Deno.makeTempDirSync({ prefix: "docket-links-" });
    try {
      Deno.mkdirSync(`${h.dir}/logs`, { recursive: true, mode: 0o700 });
      Deno.symlinkSync(`${h.dir}/logs`, `${links}/tologs`);
      Deno.symlinkSync(outside, `${links}/toout`);
      const write = (file: string) =>
        `{ destructive: true, writes: ["${file}"], run: () => { Deno.writeTextFileSync("${file}", "forged"); return { ok: true, summary: "wrote" } } }`;
      h.task("forge", write(`${links}/tologs/forged.txt`));
      h.task("fine", write(`${links}/toout/fine.txt`));
      const bad = await h.run(["--json", "run", "forge"]);
      assert.equal(bad.json.error?.kind, "grant_refused", bad.stdout);
      assert.match(bad.json.error.message, /logs_dir/);
      assert.throws(() => Deno.statSync(`${h.dir}/logs/forged.txt`), "nothing planted in logs_dir");
      const ok = await h.run(["--json", "run", "fine"]);
      assert.equal(ok.json.status, "succeeded", ok.stdout);
      assert.equal(Deno.readTextFileSync(`${outside}/fine.txt`), "forged");
    } finally {
      Deno.removeSync(outside, { recursive: true });
      Deno.removeSync(links, { recursive: true });
    }
  });
});

Deno.test("a task cannot be granted the folder of every run's scratch dir; a folder inside it is granted", async () => {
  // A home outside the temp dir, so that "/tmp" does not already contain docket's home.
  Deno.mkdirSync("/var/lib/docket-test-homes", { recursive: true, mode: 0o700 });
  const h = new Home("/var/lib/docket-test-homes");
  // docket's temp dir (TMPDIR: where every run's scratch dir is made), small and private.
  const tmp = Deno.makeTempDirSync({ dir: "/var/lib/docket-test-homes", prefix: "tmp-" });
  h.env.TMPDIR = tmp;
  const other = Deno.makeTempDirSync({
    dir: tmp,
    prefix: "docket-20990101T000000000000Z-0badc0de-",
  });
  const mine = Deno.makeTempDirSync({ dir: "/var/lib/docket-test-homes", prefix: "data-" });
  try {
    Deno.writeTextFileSync(`${other}/secret`, "other run's secret");
    Deno.writeTextFileSync(`${mine}/data`, "mine");
    const read = (grant: string, file: string) =>
      `{ reads: ["${grant}"], run: () => ({ ok: true, summary: Deno.readTextFileSync("${file}") }) }`;
    h.task("peek", read(tmp, `${other}/secret`));
    h.task("own", read(mine, `${mine}/data`));
    const bad = await h.run(["--json", "run", "peek"]);
    assert.equal(bad.json.error?.kind, "grant_refused", bad.stdout);
    assert.match(bad.json.error.message, /scratch/);
    assert.ok(!bad.stdout.includes("other run's secret"), bad.stdout);
    const ok = await h.run(["--json", "run", "own"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.equal(ok.json.summary, "mine");
  } finally {
    h.cleanup();
    Deno.removeSync(tmp, { recursive: true });
    Deno.removeSync(mine, { recursive: true });
    try {
      Deno.removeSync("/var/lib/docket-test-homes"); // only when empty
    } catch {
      // another test's home is in it
    }
  }
});
