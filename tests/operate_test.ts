/** configure, new-task, doctor and the install/compile tasks, through the real CLI. */
import assert from "node:assert/strict";
import { exists, type Home, withHome } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const VALID = `tasks:\n  greet:\n    type: command\n    command: ["echo", "hi"]\n`;
const BAD_YAML = `tasks:\n  x: [\n`;
/** Three zod problems in one file: configure --validate must list all of them. */
const THREE_PROBLEMS = `tasks:
  a:
    type: command
    command: ["true"]
    retry: -1
  b:
    type: command
    command: ["true"]
    schedule: "61 * * * *"
history:
  keep_runs: 0
`;

/** An EDITOR script that overwrites the file it is given with `text`. */
function editorWriting(h: Home, name: string, text: string): string {
  const script = `${h.dir}/${name}.sh`;
  Deno.writeTextFileSync(script, `#!/bin/sh\ncat > "$1" <<'DOCKET_EOF'\n${text}DOCKET_EOF\n`);
  Deno.chmodSync(script, 0o755);
  return script;
}

const mode = (p: string) => (Deno.statSync(p).mode ?? 0) & 0o777;
const siblings = (h: Home) => [...Deno.readDirSync(h.dir)].map((e) => e.name).sort();

Deno.test("configure: an editor that saves a valid config replaces the file with mode 0600", async () => {
  await withHome(async (h) => {
    h.config("tasks: {}\n");
    Deno.chmodSync(`${h.dir}/config.yaml`, 0o644);
    Deno.mkdirSync(`${h.dir}/cache`);
    Deno.writeTextFileSync(`${h.dir}/cache/config.json`, "{}");
    const editor = editorWriting(h, "good", VALID);
    const before = siblings(h);
    // EDITOR may carry arguments, as with git: it runs through sh.
    const r = await h.run(["--json", "configure"], { env: { EDITOR: `sh ${editor}` } });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.json).sort(), ["changed", "created", "ok", "path", "tasks"]);
    assert.deepEqual(r.json.tasks, ["greet"]);
    assert.equal(Deno.readTextFileSync(`${h.dir}/config.yaml`), VALID);
    assert.equal(mode(`${h.dir}/config.yaml`), 0o600);
    assert.ok(!exists(`${h.dir}/cache/config.json`), "the config cache is dropped");
    assert.deepEqual(siblings(h), before, "no temporary copy is left");
    const list = await h.run(["--json", "list"]);
    assert.ok(list.json.tasks.some((t: { name: string }) => t.name === "greet"));
  });
});

Deno.test("configure: an invalid edit off a terminal fails config_invalid, file untouched", async () => {
  await withHome(async (h) => {
    h.config(VALID);
    const editor = editorWriting(h, "bad", THREE_PROBLEMS);
    const before = siblings(h);
    const r = await h.run(["--json", "configure"], { env: { EDITOR: editor } });
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "config_invalid");
    assert.match(r.json.error.message, /is unchanged$/);
    assert.equal(r.json.error.details.problems.length, 3);
    assert.match(r.stderr, /tasks\.a\.retry/);
    assert.equal(Deno.readTextFileSync(`${h.dir}/config.yaml`), VALID);
    assert.deepEqual(siblings(h), before, "no temporary copy is left");
  });
});

Deno.test("configure: no editor and no terminal is a usage error, not a hang", async () => {
  await withHome(async (h) => {
    const r = await h.run(["--json", "configure"], { env: { EDITOR: "", VISUAL: "" } });
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "usage");
    assert.match(r.json.error.message, /no editor/);
    const failing = await h.run(["--json", "configure"], { env: { EDITOR: "false" } });
    assert.equal(failing.json.error.kind, "cancelled");
    assert.ok(!exists(`${h.dir}/config.yaml`));
  });
});

Deno.test("configure creates a commented starter config that validates", async () => {
  await withHome(async (h) => {
    const r = await h.run(["--json", "configure"], { env: { EDITOR: "true" } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.created, true);
    const text = Deno.readTextFileSync(`${h.dir}/config.yaml`);
    assert.match(text, /^# docket configuration/);
    assert.equal(mode(`${h.dir}/config.yaml`), 0o600);
    const v = await h.run(["--json", "configure", "--validate"]);
    assert.equal(v.code, 0, v.stdout);
    // Saving it again unchanged writes nothing.
    const again = await h.run(["--json", "configure"], { env: { EDITOR: "true" } });
    assert.equal(again.json.changed, false);
  });
});

Deno.test("configure --validate: ok on a good config, every problem on a bad one", async () => {
  await withHome(async (h) => {
    h.config(VALID);
    const good = await h.run(["--json", "configure", "--validate"]);
    assert.equal(good.code, 0);
    assert.deepEqual(good.json, {
      ok: true,
      path: `${h.dir}/config.yaml`,
      tasks: ["greet"],
      problems: [],
    });
    h.config(THREE_PROBLEMS);
    const bad = await h.run(["--json", "configure", "--validate"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.ok, false);
    assert.deepEqual(Object.keys(bad.json).sort(), ["ok", "path", "problems", "tasks"]);
    assert.deepEqual(bad.json.problems.map((p: { path: string }) => p.path), [
      "history.keep_runs",
      "tasks.a.retry",
      "tasks.b.schedule",
    ]);
    assert.match(bad.json.problems[2].message, /61/);
    h.config(BAD_YAML);
    const yaml = await h.run(["configure", "--validate"]);
    assert.equal(yaml.code, 1);
    assert.match(yaml.stdout, /has 1 problem\(s\):\n {2}line \d+, column \d+: Cannot parse config/);
  });
});

Deno.test("new-task scaffolds a task that runs, dry-runs and type-checks untouched", async () => {
  await withHome(async (h) => {
    const r = await h.run([
      "--json",
      "new-task",
      "nightly-report",
      "--description",
      'A "quoted" one',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.json, {
      ok: true,
      task: "nightly-report",
      path: `${h.dir}/tasks/nightly-report.ts`,
    });
    const run = await h.run(["--json", "run", "nightly-report"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.json.summary, "Hello, world");
    const dry = await h.run(["--json", "run", "nightly-report", "--dry-run"]);
    assert.equal(dry.code, 2, dry.stderr);
    assert.equal(dry.json.summary, "Would greet world");
    const desc = await h.run(["--json", "describe", "nightly-report"]);
    assert.equal(desc.json.task.description, 'A "quoted" one');
    assert.equal(desc.json.task.network, false);
    const check = await new Deno.Command(Deno.execPath(), {
      args: ["check", "--config", `${ROOT}deno.json`, r.json.path],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
  });
});

Deno.test("new-task refuses bad names, existing files and taken task names", async () => {
  await withHome(async (h) => {
    h.config(VALID);
    for (const name of ["Bad", "-x", "a_b", "a.b"]) {
      const r = await h.run(["--json", "new-task", name]);
      assert.equal(r.json.error.kind, "usage", name);
    }
    assert.equal((await h.run(["new-task", "twice"])).code, 0);
    const again = await h.run(["--json", "new-task", "twice"]);
    assert.equal(again.code, 1);
    assert.match(again.json.error.message, /already exists/);
    for (const taken of ["backup", "greet"]) {
      const r = await h.run(["--json", "new-task", taken]);
      assert.equal(r.json.error.kind, "usage", taken);
      assert.ok(!exists(`${h.dir}/tasks/${taken}.ts`));
    }
  });
});

interface CheckJson {
  name: string;
  status: string;
  message: string;
}
const checksOf = (j: { checks: CheckJson[] }) => new Map(j.checks.map((c) => [c.name, c]));

Deno.test("doctor: a healthy home passes; a world-readable config is a warning", async () => {
  await withHome(async (h) => {
    h.config(VALID);
    Deno.chmodSync(`${h.dir}/config.yaml`, 0o644);
    h.task("hello", `{ description: "d", run: () => ({ ok: true, summary: "hi" }) }`);
    const r = await h.run(["--json", "doctor"]);
    assert.equal(r.code, 0, r.stdout);
    const checks = checksOf(r.json);
    assert.equal(checks.get("state db")?.status, "ok");
    assert.equal(checks.get("task hello")?.status, "ok");
    assert.equal(checks.get("config permissions")?.status, "warn");
    assert.ok(![...checks.values()].some((c) => c.status === "fail"));
  });
});

Deno.test("doctor: a bad config and a garbage state.db fail without a stack trace", async () => {
  await withHome(async (h) => {
    h.config(BAD_YAML);
    const cfg = await h.run(["--json", "doctor"]);
    assert.equal(cfg.code, 1);
    assert.equal(checksOf(cfg.json).get("config")?.status, "fail");
    h.config(VALID);
    Deno.writeFileSync(h.stateDb, crypto.getRandomValues(new Uint8Array(8192)));
    const db = await h.run(["--json", "doctor"]);
    assert.equal(db.code, 1);
    const state = checksOf(db.json).get("state db");
    assert.equal(state?.status, "fail");
    assert.match(state!.message, /state database/);
    const human = await h.run(["doctor"]);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /state db\s+FAIL/);
    assert.doesNotMatch(human.stdout + human.stderr, /\n\s+at /);
  });
});

Deno.test("doctor warns about a symlink inside a declared path that leads outside it", async () => {
  await withHome(async (h) => {
    const data = `${h.dir}/data`;
    Deno.mkdirSync(`${data}/sub`, { recursive: true });
    Deno.symlinkSync("/etc", `${data}/sub/escape`);
    Deno.symlinkSync(`${data}/sub`, `${data}/inside`);
    h.task(
      "reader",
      `{ description: "d", reads: [${
        JSON.stringify(data)
      }], run: () => ({ ok: true, summary: "" }) }`,
    );
    const r = await h.run(["--json", "doctor"]);
    const c = checksOf(r.json).get("task reader paths");
    assert.equal(c?.status, "warn");
    assert.ok(c!.message.includes(`${data}/sub/escape -> /etc`), c!.message);
    assert.ok(!c!.message.includes(`${data}/inside`), c!.message);
    // doctor and run agree: the run is refused on the same link.
    const run = await h.run(["--json", "run", "reader"]);
    assert.equal(run.json.error.kind, "permission_denied");
  });
});

Deno.test("deno.json: the install task installs a shim and every compile --include exists", async () => {
  const tasks = JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)).tasks;
  assert.equal(tasks.install, "deno run -A scripts/install.ts"); // see tests/install_shim_test.ts
  const includes = [...tasks.compile.matchAll(/--include (\S+)/g)].map((m) => m[1]);
  assert.ok(includes.length >= 5);
  for (const p of includes) assert.ok(exists(`${ROOT}${p}`), p);
  const root = Deno.makeTempDirSync({ prefix: "docket-install-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["task", "install"],
      cwd: ROOT,
      env: { DENO_INSTALL_ROOT: root },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const v = await new Deno.Command(`${root}/bin/docket`, {
      args: ["--version"],
      stdout: "piped",
    }).output();
    assert.match(new TextDecoder().decode(v.stdout), /^docket \d/);
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});

/** `script` (util-linux) runs docket on a pseudo-terminal, so configure can ask to re-edit. */
const script = await new Deno.Command("script", { args: ["--version"], stdout: "null" }).output()
  .then((o) => o.success).catch(() => false);
if (!script) console.warn("SKIPPING the configure re-edit test: `script` is not installed");

Deno.test({
  name: "configure on a terminal shows the error and re-opens the editor on yes",
  ignore: !script,
  async fn() {
    await withHome(async (h) => {
      // First save is invalid, the second (after "y") valid.
      const editor = `${h.dir}/twice.sh`;
      Deno.writeTextFileSync(
        editor,
        `#!/bin/sh\nif [ -f "${h.dir}/once" ]; then printf '${
          VALID.replaceAll("\n", "\\n")
        }' > "$1"\n` +
          `else touch "${h.dir}/once"; printf 'tasks:\\n  x: [\\n' > "$1"; fi\n`,
      );
      Deno.chmodSync(editor, 0o755);
      const child = new Deno.Command("script", {
        args: ["-qec", `${Deno.execPath()} run -A ${ROOT}main.ts configure`, "/dev/null"],
        env: { ...h.env, EDITOR: editor },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode("y\n"));
      await w.close();
      const out = await child.output();
      const text = new TextDecoder().decode(out.stdout);
      assert.equal(out.code, 0, text);
      assert.match(text, /Cannot parse config[^\n]*\n[^\n]*Edit again\? \[Y\/n\]/);
      assert.match(text, /Created .*config\.yaml \(valid, mode 0600\)/);
      assert.equal(Deno.readTextFileSync(`${h.dir}/config.yaml`), VALID);
    });
  },
});
