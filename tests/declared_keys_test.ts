/**
 * A declaration means what it says, through the real CLI: `required_env` is required (a run
 * without its variables is refused before it starts; describe, doctor and MCP say which are
 * missing), and a misspelt key in a built-in or command section is an error, not ignored.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { exists, type Home, MAIN, withHome } from "./helpers.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

/** MCP `list_tasks` and `describe_task` through a real client. */
async function mcpTasks(h: Home, env: Record<string, string>, task: string) {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp"],
    env: {
      ...h.env,
      ...env,
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
    },
    stderr: "pipe",
  });
  const client = new Client({ name: "docket-test", version: "0.0.0" });
  await client.connect(transport);
  try {
    const list = (await client.callTool({ name: "list_tasks", arguments: {} })) as Json;
    const one = (await client.callTool({ name: "describe_task", arguments: { task } })) as Json;
    return { list: list.structuredContent, one: one.structuredContent };
  } finally {
    await client.close();
  }
}

Deno.test("required_env is required: a run without it is refused before it starts, naming every missing variable", async () => {
  await withHome(async (h) => {
    const out = `${h.dir}/out`;
    Deno.mkdirSync(out);
    h.task(
      "needs",
      `{ required_env: ["NEED_A", "NEED_B"], destructive: true, writes: [${JSON.stringify(out)}],
        run: () => { Deno.writeTextFileSync(${
        JSON.stringify(`${out}/ran`)
      }, "x"); return { ok: true, summary: "ran" }; } }`,
    );
    h.config(`tasks:
  cmd:
    type: command
    command: ["touch", "${out}/cmd-ran"]
    required_env: [CMD_TOKEN]
    destructive: true
    writes: ["${out}"]
`);
    const none = await h.run(["--json", "run", "needs"]);
    assert.equal(none.code, 1);
    assert.equal(none.json.error.kind, "env_missing", none.stdout);
    assert.deepEqual(none.json.error.details.missing, ["NEED_A", "NEED_B"]);
    assert.match(none.json.error.message, /"NEED_A", "NEED_B" are not set/);
    // An empty value counts as not set.
    const empty = await h.run(["--json", "run", "needs"], { env: { NEED_A: "", NEED_B: "b" } });
    assert.equal(empty.json.error.kind, "env_missing");
    assert.deepEqual(empty.json.error.details.missing, ["NEED_A"]);
    const async = await h.run(["--json", "run", "--async", "needs"], { env: { NEED_B: "b" } });
    assert.equal(async.json.error.kind, "env_missing");
    const cmd = await h.run(["--json", "run", "cmd"]);
    assert.equal(cmd.json.error.kind, "env_missing");
    assert.ok(!exists(`${out}/ran`) && !exists(`${out}/cmd-ran`), "nothing started");
    assert.deepEqual((await h.run(["--json", "runs"])).json.runs, [], "nothing was recorded");

    const described = await h.run(["--json", "describe", "needs"], { env: { NEED_B: "b" } });
    assert.deepEqual(described.json.task.missing_env, ["NEED_A"]);
    const human = await h.run(["describe", "needs"]);
    assert.match(human.stdout, /missing env:\s+NEED_A, NEED_B \(not set\)/);
    const doctor = await h.run(["--json", "doctor"]);
    const check = doctor.json.checks.find((c: Json) => c.name === "task needs env");
    assert.equal(check?.status, "warn");
    assert.match(check.message, /NEED_A, NEED_B/);
    const mcp = await mcpTasks(h, { NEED_A: "a" }, "needs");
    assert.deepEqual(mcp.list.tasks.find((t: Json) => t.name === "needs").missing_env, ["NEED_B"]);
    assert.deepEqual(mcp.list.tasks.find((t: Json) => t.name === "cmd").missing_env, ["CMD_TOKEN"]);
    assert.deepEqual(mcp.one.task.missing_env, ["NEED_B"]);

    // Positive control: with the variables set, both run and nothing is reported missing.
    const env = { NEED_A: "a", NEED_B: "b", CMD_TOKEN: "t" };
    const ok = await h.run(["--json", "run", "needs"], { env });
    assert.equal(ok.code, 0, ok.stdout);
    assert.ok(exists(`${out}/ran`));
    assert.equal((await h.run(["--json", "run", "cmd"], { env })).code, 0);
    assert.ok(exists(`${out}/cmd-ran`));
    const all = await h.run(["--json", "describe", "needs"], { env });
    assert.deepEqual(all.json.task.missing_env, []);
  });
});

Deno.test("a misspelt key on a built-in is an error with a suggestion; the backup does not run", async () => {
  await withHome(async (h) => {
    const src = `${h.dir}/src`, dst = `${h.dir}/dst`;
    Deno.mkdirSync(src);
    Deno.mkdirSync(dst);
    Deno.writeTextFileSync(`${src}/keep.txt`, "k");
    Deno.writeTextFileSync(`${src}/private.tmp`, "p");
    const cfg = (key: string) =>
      `tasks:\n  backup:\n    tool: rsync\n    source: ${src}\n    remote: ${dst}\n    ${key}: ["*.tmp"]\n`;
    h.config(cfg("exclude"));
    const bad = await h.run(["--json", "run", "backup"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.error.kind, "config_invalid");
    assert.match(
      bad.json.error.message,
      /tasks\.backup\.exclude: unknown key "exclude": did you mean "excludes"\?/,
    );
    assert.deepEqual([...Deno.readDirSync(dst)], [], "nothing was copied");
    // The other built-ins, every problem listed at once.
    h.config(
      cfg("exclude") +
        `  hbackup:\n    destinaton: /x\n  health-check:\n    disk_treshold_pct: 50\n`,
    );
    const all = await h.run(["--json", "list"]);
    assert.deepEqual(all.json.error.details.problems.map((p: Json) => [p.path, p.message]), [
      ["tasks.backup.exclude", 'unknown key "exclude": did you mean "excludes"?'],
      ["tasks.hbackup.destinaton", 'unknown key "destinaton": did you mean "destination"?'],
      [
        "tasks.health-check.disk_treshold_pct",
        'unknown key "disk_treshold_pct": did you mean "disk_threshold_pct"?',
      ],
    ]);
    // Positive control: the right key runs the backup, and it excludes what was meant.
    h.config(cfg("excludes"));
    const ok = await h.run(["--json", "run", "backup"]);
    assert.equal(ok.code, 0, ok.stdout);
    assert.ok(exists(`${dst}/keep.txt`) && !exists(`${dst}/private.tmp`));
  });
});

Deno.test("misspelt keys on a command task are errors; a module task's unknown key is a warning", async () => {
  await withHome(async (h) => {
    // The mark goes to a declared write: the jail hides the rest of /tmp.
    const mark = `${h.dir}/out/ran`;
    const cmd = (extra: string) =>
      `tasks:\n  job:\n    type: command\n    command: ["touch", "${mark}"]\n` +
      `    destructive: true\n    writes: ["${h.dir}/out"]\n${extra}`;
    for (
      const [key, guess] of [["timout_seconds: 5", "timeout_seconds"], ["retries: 3", "retry"]]
    ) {
      h.config(cmd(`    ${key}\n`));
      const r = await h.run(["--json", "run", "job"]);
      assert.equal(r.json.error.kind, "config_invalid", key);
      assert.match(r.json.error.message, new RegExp(`did you mean "${guess}"\\?`), key);
      assert.ok(!exists(mark), "the command did not run");
    }
    h.config(cmd(`    timeout_seconds: 5\n    retry: 1\n`));
    assert.equal((await h.run(["--json", "run", "job"])).code, 0);
    assert.ok(exists(mark), "positive control: the spelt-right task runs");

    h.task(
      "greet",
      `{ schema: { greeting: { type: "string" } },
        run: (c: any) => ({ ok: true, summary: "greeting=" + (c.greeting ?? "-") }) }`,
    );
    h.config(`tasks:\n  greet:\n    greating: hello\n`);
    const run = await h.run(["--json", "run", "greet"]);
    assert.equal(run.code, 0, run.stdout);
    assert.equal(run.json.summary, "greeting=-", "free-form: the key is passed, not refused");
    const d = await h.run(["--json", "describe", "greet"]);
    assert.deepEqual(d.json.task.config_warnings, [
      `tasks.greet.greating: not a key the task's schema declares: did you mean "greeting"?`,
    ]);
    const doctor = await h.run(["--json", "doctor"]);
    assert.ok(
      doctor.json.checks.some((c: Json) => c.name === "task greet config" && c.status === "warn"),
    );
    h.config(`tasks:\n  greet:\n    greeting: hello\n`);
    const good = await h.run(["--json", "describe", "greet"]);
    assert.deepEqual(good.json.task.config_warnings, []);
  });
});
