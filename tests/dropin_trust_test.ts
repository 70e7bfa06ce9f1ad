/**
 * A drop-in cannot reach the orchestrator's rights, through the real CLI: its `defaults` set
 * only its own keys, the metadata scan reads exactly its file, it cannot take a built-in's
 * name, many hanging drop-ins do not hide a good one, and bad declared values are load errors.
 */
import assert from "node:assert/strict";
import { exists, MAIN, TASK_API, withHome } from "./helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

const byName = (r: { json: Json }, name: string) =>
  r.json.tasks.find((t: Json) => t.name === name) as Json;

/** A drop-in file with any name (Home.task names it after the task). */
function dropin(dir: string, file: string, body: string, prelude = ""): string {
  const path = `${dir}/tasks/${file}`;
  Deno.writeTextFileSync(
    path,
    `import { defineTask } from "file://${TASK_API}";\n${prelude}\nexport default defineTask(${body});\n`,
  );
  return path;
}

/** docket with another working directory (the metadata scan child inherits it). */
async function runIn(cwd: string, env: Record<string, string>, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, ...args],
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  return {
    code: out.code,
    stdout,
    stderr: new TextDecoder().decode(out.stderr),
    json: JSON.parse(stdout),
  };
}

Deno.test("a drop-in's defaults cannot set hooks, notify or limits; its own keys and the operator's hooks work", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    const schema = `schema: { greeting: { type: "string" } }`;
    const run = `run: (c: any) => ({ ok: true, summary: "greeting=" + c.greeting })`;
    dropin(
      d,
      "evil.ts",
      `{ ${schema}, defaults: { greeting: "hi", on_success: "touch ${d}/pwned" }, ${run} }`,
    );
    const reserved: Record<string, string> = {
      notify: `{ telegram: { chat: 1, bot_token_env: "HOME" } }`,
      kill_grace_seconds: "3600",
      timeout_seconds: "99999",
      retry: "5",
      schedule: `"* * * * *"`,
      docket_bin: `"/tmp/x"`,
      on_failure: `"touch ${d}/pwned"`,
      idle_timeout_seconds: "0",
    };
    for (const [k, v] of Object.entries(reserved)) {
      dropin(
        d,
        `evil-${k.replaceAll("_", "-")}.ts`,
        `{ ${schema}, defaults: { ${k}: ${v} }, ${run} }`,
      );
    }
    // Not declared in its schema: not its own key either.
    // A schema field (with a default) for docket's key is refused the same way.
    const field = `{ type: "string", default: "touch ${d}/pwned" }`;
    dropin(d, "evil-schema.ts", `{ schema: { on_complete: ${field} }, ${run} }`);
    dropin(d, "undeclared.ts", `{ ${schema}, defaults: { colour: "red" }, ${run} }`);
    dropin(d, "good.ts", `{ ${schema}, defaults: { greeting: "hi" }, ${run} }`);
    h.config(`tasks:\n  good:\n    on_success: "touch ${d}/operator-hook"\n`);

    const list = await h.run(["--json", "list"]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      byName(list, "evil").load_error.message,
      /"defaults\.on_success" is one of docket's own keys/,
    );
    for (const k of Object.keys(reserved)) {
      const t = byName(list, `evil-${k.replaceAll("_", "-")}`);
      assert.match(
        t.load_error?.message ?? "",
        new RegExp(`"defaults\\.${k}" is one of docket's own keys`),
        k,
      );
    }
    assert.match(
      byName(list, "evil-schema").load_error.message,
      /its schema declares "on_complete", one of docket's own keys/,
    );
    assert.match(
      byName(list, "undeclared").load_error.message,
      /"defaults\.colour" is not a key its schema declares/,
    );

    const evil = await h.run(["--json", "run", "evil"]);
    assert.equal(evil.code, 1);
    assert.equal(evil.json.error.kind, "task_load_failed");
    assert.ok(!exists(`${d}/pwned`), "a module default must never become a hook");

    // Positive control: the module's own default reaches run(), the operator's hook runs.
    const good = await h.run(["--json", "run", "good"]);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.json.summary, "greeting=hi");
    assert.ok(exists(`${d}/operator-hook`), "the operator's on_success runs");
  });
});

Deno.test("a drop-in whose file name has a comma gets no extra read grant during list", async () => {
  await withHome(async (h) => {
    const cwd = Deno.makeTempDirSync({ prefix: "docket-cwd-" });
    try {
      Deno.writeTextFileSync(`${cwd}/secret.txt`, "CWD-SECRET-7731");
      const body = `{ description: "read:" + seen, run: () => ({ ok: true, summary: "x" }) }`;
      const prelude =
        `let seen = "denied";\ntry { seen = Deno.readTextFileSync("secret.txt"); } catch { /* denied */ }`;
      // "x,.,y.ts" would be granted as three entries: ".../x", "." (the cwd) and "y.ts".
      dropin(h.dir, "x,.,y.ts", body, prelude);
      dropin(h.dir, "plain.ts", body, prelude);
      const r = await runIn(cwd, h.env, ["--json", "list"]);
      assert.equal(r.code, 0, r.stderr);
      assert.ok(!r.stdout.includes("CWD-SECRET-7731"), r.stdout);
      assert.match(byName(r, "x,.,y").load_error.message, /contains a comma/);
      // Positive control: a plainly named module loads, and the same read is denied to it.
      assert.equal(byName(r, "plain").load_error, null);
      assert.equal(byName(r, "plain").description, "read:denied");
      // A `module:` task outside tasks_dir: the same rule for its path.
      const mod = dropin(h.dir, "x,.,y.ts", body, prelude).replace("/tasks/", "/");
      Deno.renameSync(`${h.dir}/tasks/x,.,y.ts`, mod);
      h.config(`tasks:\n  viaconfig:\n    module: ${JSON.stringify(mod)}\n`);
      const m = await runIn(cwd, h.env, ["--json", "run", "viaconfig"]);
      assert.equal(m.json.error.kind, "task_load_failed");
      assert.match(m.json.error.message, /contains a comma/);
      assert.ok(!m.stdout.includes("CWD-SECRET-7731"), m.stdout);
    } finally {
      Deno.removeSync(cwd, { recursive: true });
    }
  });
});

Deno.test("during the metadata scan a drop-in reads its own file only, not another drop-in's", async () => {
  await withHome(async (h) => {
    const target = h.task(
      "target",
      `{ description: "t", run: () => ({ ok: true, summary: "x" }) }`,
      "// OTHER-SOURCE-4410",
    );
    const read = (path: string) =>
      `let seen = "denied";\ntry { seen = Deno.readTextFileSync(${
        JSON.stringify(path)
      }).includes("SOURCE-") ? "read" : "?"; } catch { /* denied */ }\n// OWN-SOURCE-1\n`;
    h.task(
      "peek",
      `{ description: "other:" + seen, run: () => ({ ok: true, summary: "x" }) }`,
      read(target),
    );
    const own = `${h.dir}/tasks/self.ts`;
    h.task(
      "self",
      `{ description: "own:" + seen, run: () => ({ ok: true, summary: "x" }) }`,
      read(own),
    );
    const r = await h.run(["--json", "list"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(byName(r, "peek").description, "other:denied");
    assert.equal(byName(r, "self").description, "own:read", "positive control: its own file");
  });
});

Deno.test("symlinked and hard-linked drop-ins are load errors that never echo the file", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    try {
      Deno.writeTextFileSync(`${outside}/shadow`, "root:SHADOW-LINE-5521:0:0 not code\n");
      Deno.symlinkSync(`${outside}/shadow`, `${h.dir}/tasks/leak.ts`);
      const code = `import { defineTask } from "file://${TASK_API}";\n` +
        `export default defineTask({ description: "outside", run: () => ({ ok: true, summary: "x" }) });\n`;
      Deno.writeTextFileSync(`${outside}/task.ts`, code);
      Deno.symlinkSync(`${outside}/task.ts`, `${h.dir}/tasks/linked.ts`);
      Deno.linkSync(`${outside}/task.ts`, `${h.dir}/tasks/hard.ts`);
      // A regular file that is not code: its error names the position, not the content.
      Deno.writeTextFileSync(`${h.dir}/tasks/notcode.ts`, "root:OWN-LINE-8812:0:0 not code\n");
      Deno.writeTextFileSync(`${h.dir}/tasks/copy.ts`, code); // positive control
      const r = await h.run(["--json", "list"]);
      assert.equal(r.code, 0, r.stderr);
      for (const secret of ["SHADOW-LINE-5521", "OWN-LINE-8812"]) {
        assert.ok(!r.stdout.includes(secret) && !r.stderr.includes(secret), r.stdout);
      }
      assert.match(
        byName(r, "leak").load_error.message,
        /is a symbolic link|it is a symbolic link/,
      );
      assert.match(byName(r, "linked").load_error.message, /symbolic link/);
      assert.equal(byName(r, "linked").description, "");
      assert.match(byName(r, "hard").load_error.message, /has 2 hard links/);
      assert.match(
        byName(r, "notcode").load_error.message,
        /not valid TypeScript or JavaScript \(line 1, column \d+\)/,
      );
      assert.equal(byName(r, "copy").load_error, null);
      assert.equal(byName(r, "copy").description, "outside");
      const run = await h.run(["--json", "run", "hard"]);
      assert.equal(run.json.error.kind, "task_load_failed");
      const ok = await h.run(["--json", "run", "copy"]);
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});

Deno.test("a drop-in claiming a built-in's name is a load error naming both, and gets none of its config", async () => {
  await withHome(async (h) => {
    const body =
      `{ description: "impostor", run: (c: any) => ({ ok: true, summary: "got " + c.remote }) }`;
    const file = dropin(h.dir, "backup.ts", body);
    dropin(
      h.dir,
      "other.ts",
      `{ name: "health-check", description: "claims by name", run: () => ({ ok: true, summary: "x" }) }`,
    );
    dropin(h.dir, "impostor.ts", body); // positive control: the same module under its own name
    h.config(`tasks:
  backup:
    source: ${h.dir}
    remote: "operator-remote:private"
    required_env: [BK_TOKEN]
  impostor:
    remote: "its-own-remote:x"
`);
    const env = { BK_TOKEN: "tok-123456" };
    const r = await h.run(["--json", "run", "backup"], { env });
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "task_load_failed");
    assert.ok(r.json.error.message.includes(file), r.json.error.message);
    assert.match(r.json.error.message, /built-in task "backup" \(.*tasks\/backup\.ts\)/);
    assert.ok(!r.stdout.includes("operator-remote"), r.stdout);
    const list = await h.run(["--json", "list"]);
    assert.match(
      byName(list, "health-check").load_error.message,
      /other\.ts" claims the name of the built-in/,
    );
    const runs = await h.run(["--json", "runs"]);
    assert.deepEqual(runs.json.runs, [], "nothing ran");
    const ok = await h.run(["--json", "run", "impostor"], { env });
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.json.summary, "got its-own-remote:x");
  });
});

Deno.test("40 drop-ins whose top level never settles do not hide a good one", async () => {
  await withHome(async (h) => {
    for (let i = 0; i < 40; i++) {
      h.task(
        `hang${String(i).padStart(2, "0")}`,
        `{ run: () => ({ ok: true, summary: "x" }) }`,
        "await new Promise(() => {});",
      );
    }
    h.task("a-good", `{ description: "good first", run: () => ({ ok: true, summary: "x" }) }`);
    h.task("zz-good", `{ description: "good last", run: () => ({ ok: true, summary: "x" }) }`);
    const t0 = Date.now();
    const r = await h.run(["--json", "list"]);
    console.log(`list with 40 hanging drop-ins: ${Date.now() - t0} ms`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(byName(r, "a-good").load_error, null);
    assert.equal(byName(r, "zz-good").load_error, null, JSON.stringify(byName(r, "zz-good")));
    assert.equal(byName(r, "zz-good").description, "good last");
    for (let i = 0; i < 40; i++) {
      const t = byName(r, `hang${String(i).padStart(2, "0")}`);
      assert.match(t.load_error.message, /did not finish within 5 s/);
    }
  });
});

Deno.test("bad values a drop-in declares are load errors, never internal, and no run is left lost", async () => {
  await withHome(async (h) => {
    const run = `run: () => ({ ok: true, summary: "ran" })`;
    h.task("emptyenv", `{ required_env: [""], ${run} }`);
    h.task(
      "badretry",
      `{ schema: { n: { type: "integer" } }, defaults: { retry: "abc" }, ${run} }`,
    );
    h.task("badnet", `{ network: [""], ${run} }`);
    h.task("baddefault", `{ schema: { n: { type: "integer" } }, defaults: { n: "abc" }, ${run} }`);
    h.task("fine", `{ required_env: ["SOME_VAR"], ${run} }`);
    const expect: Record<string, RegExp> = {
      emptyenv: /"required_env\.0" must be variable names/,
      badretry: /"defaults\.retry" is one of docket's own keys/,
      badnet: /"network/,
      baddefault: /"defaults\.n" must be of type integer/,
    };
    for (const [name, re] of Object.entries(expect)) {
      const r = await h.run(["--json", "run", name]);
      assert.equal(r.code, 1, name);
      assert.equal(r.json.error.kind, "task_load_failed", `${name}: ${r.stdout}`);
      assert.match(r.json.error.message, re, name);
    }
    const ok = await h.run(["--json", "run", "fine"], { env: { SOME_VAR: "v" } });
    assert.equal(ok.code, 0, ok.stderr);
    const runs = await h.run(["--json", "runs"]);
    assert.deepEqual(runs.json.runs.map((x: Json) => [x.task, x.status]), [["fine", "succeeded"]]);
  });
});
