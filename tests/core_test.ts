/** Core behaviour through the real CLI: the JSON contract, exit codes, config errors. */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";

const CAP_KEYS = [
  "agent_contract_version",
  "commands",
  "config_path",
  "exit_codes",
  "explain",
  "logs_dir",
  "ok",
  "runtime",
  "state_dir",
  "tasks",
  "tasks_dir",
  "tool",
  "version",
];
const TASK_KEYS = [
  "child_argv",
  "config",
  "config_warnings",
  "deno_flags",
  "description",
  "destructive",
  "has_dry_run",
  "inputs",
  "load_error",
  "missing_env",
  "name",
  "network",
  "outputs",
  "permissions",
  "required_env",
  "sandbox",
  "schedule",
  "schema",
  "source",
];
const RUN_KEYS = [
  "async",
  "attempts",
  "details",
  "dry_run",
  "duration_ms",
  "error",
  "exit_code",
  "finished_at",
  "hooks",
  "log_path",
  "ok",
  "overrides",
  "pid",
  "run_id",
  "started_at",
  "status",
  "summary",
  "task",
];

Deno.test("capabilities: pinned key sets for the document and each task", async () => {
  await withHome(async (h) => {
    h.task(
      "hello",
      `{ description: "Say hello", inputs: { who: "name" }, run: () => ({ ok: true, summary: "hi" }) }`,
    );
    h.config(`tasks:\n  cmd:\n    type: command\n    command: ["true"]\n    required_env: [FOO]\n`);
    const r = await h.run(["--json", "capabilities"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.json).sort(), CAP_KEYS);
    assert.equal(r.json.tool, "docket");
    assert.equal(r.json.agent_contract_version, 1);
    const hello = r.json.tasks.find((t: { name: string }) => t.name === "hello");
    assert.deepEqual(Object.keys(hello).sort(), TASK_KEYS);
    assert.equal(hello.description, "Say hello");
    assert.equal(hello.network, false);
    assert.ok(hello.deno_flags.includes("--no-prompt"));
    assert.ok(!hello.deno_flags.some((f: string) => f.startsWith("--allow-net")));
    const cmd = r.json.tasks.find((t: { name: string }) => t.name === "cmd");
    assert.deepEqual(cmd.required_env, ["FOO"]);
    // bubblewrap works here (CI installs it): the OS layer holds a command task's network: false
    assert.equal(cmd.permissions.enforced_by.network, "os");
    assert.equal(cmd.sandbox.layer, "bwrap");
    // deno_flags are the flags inside the child's real argv, byte for byte
    const argv: string[] = hello.child_argv;
    const at = argv.indexOf(hello.deno_flags[0]);
    assert.deepEqual(argv.slice(at, at + hello.deno_flags.length), hello.deno_flags);
    assert.deepEqual(argv.slice(at + hello.deno_flags.length, at + hello.deno_flags.length + 2), [
      "--no-config",
      "--no-lock",
    ]);
    const names = r.json.commands.map((c: { name: string }) => c.name);
    for (const c of ["capabilities", "list", "describe", "run", "status", "runs", "doctor"]) {
      assert.ok(names.includes(c), c);
    }
  });
});

Deno.test("run: a succeeding task records history and the JSON run shape", async () => {
  await withHome(async (h) => {
    h.task(
      "hello",
      `{ description: "d", run: (c, ctx) => { ctx.event("greeted", { who: "x" }); return { ok: true, summary: "Said hello", details: { n: 1 } }; } }`,
    );
    const r = await h.run(["run", "hello", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.json).sort(), RUN_KEYS);
    assert.equal(r.json.status, "succeeded");
    assert.equal(r.json.summary, "Said hello");
    assert.deepEqual(r.json.details, { n: 1 });
    assert.match(r.json.run_id, /^\d{8}T\d{12}Z-[0-9a-f]{8}$/);
    const s = await h.run(["--json", "status", "--run-id", r.json.run_id]);
    assert.equal(s.json.run.status, "succeeded");
    const runs = await h.run(["--json", "runs", "hello"]);
    assert.equal(runs.json.runs.length, 1);
  });
});

Deno.test("exit codes: 0 success, 1 failure, 2 dry run", async () => {
  await withHome(async (h) => {
    h.task("good", `{ description: "d", run: () => ({ ok: true, summary: "ok" }) }`);
    h.task("bad", `{ description: "d", run: () => ({ ok: false, summary: "nope" }) }`);
    assert.equal((await h.run(["run", "good"])).code, 0);
    const bad = await h.run(["run", "bad", "--json"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.error.kind, "task_failed");
    const dry = await h.run(["run", "good", "--dry-run", "--json"]);
    assert.equal(dry.code, 2);
    assert.equal(dry.json.status, "dry_run");
  });
});

Deno.test("dry runs are history but never the task's last run", async () => {
  await withHome(async (h) => {
    h.task(
      "t",
      `{ description: "d", run: () => ({ ok: true, summary: "real" }), dryRun: () => ({ ok: true, summary: "preview" }) }`,
    );
    await h.run(["run", "t"]);
    const dry = await h.run(["run", "t", "--dry-run", "--json"]);
    assert.equal(dry.json.summary, "preview");
    const st = await h.run(["--json", "status", "t"]);
    assert.equal(st.json.last_run.summary, "real");
    const runs = await h.run(["--json", "runs", "t"]);
    assert.equal(runs.json.runs.length, 2);
    assert.equal(runs.json.runs[0].dry_run, true);
  });
});

Deno.test("unknown task: task_not_found with a did-you-mean suggestion", async () => {
  await withHome(async (h) => {
    const r = await h.run(["--json", "run", "helth-check"]);
    assert.equal(r.code, 1);
    assert.equal(r.json.ok, false);
    assert.equal(r.json.error.kind, "task_not_found");
    assert.match(r.json.error.message, /did you mean "health-check"/);
  });
});

Deno.test("--json is accepted after the subcommand and stdout holds one document for errors", async () => {
  await withHome(async (h) => {
    for (
      const args of [["run", "--json"], ["nosuch", "--json"], ["runs", "--limit", "x", "--json"], [
        "status",
        "--run-id",
        "../../etc/passwd",
        "--json",
      ], ["run", "x", "--bogus", "--json"]]
    ) {
      const r = await h.run(args);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.json.ok, false);
      assert.equal(r.json.error.kind, "usage", args.join(" "));
      assert.ok(!r.stderr.includes("    at "), "no stack trace");
    }
  });
});

Deno.test("bad configs: config_invalid naming the key path, nothing run or written", async () => {
  const cases: [string, RegExp][] = [
    ["tasks:\n  backup:\n    retry: -1\n", /tasks\.backup\.retry: must be a non-negative integer/],
    ["tasks:\n  x:\n    type: command\n", /tasks\.x\.command/],
    ["tasks: [1, 2\n", /line \d+, column \d+/],
    ["tasks:\n  x:\n    network: maybe\n", /tasks\.x\.network/],
    ["tasks:\n  backup:\n    tool: ftp\n", /tasks\.backup\.tool/],
    [
      "tasks:\n  x:\n    on_success: 3\n",
      /tasks\.x\.on_success: must be a string or a list of strings/,
    ],
    ["tasks:\n  x:\n    schedule: '61 * * * *'\n", /tasks\.x\.schedule/],
    ["state_dir: 5\n", /state_dir: must be a string/],
    ["tasks:\n  a: {}\n  a: {}\n", /line \d+/],
  ];
  for (const [yaml, want] of cases) {
    await withHome(async (h) => {
      h.config(yaml);
      const r = await h.run(["--json", "run", "health-check"]);
      assert.equal(r.code, 1, yaml);
      assert.equal(r.json.error.kind, "config_invalid", yaml);
      assert.match(r.json.error.message, want, yaml);
      assert.ok(!exists(h.stateDb), "state DB must not be created");
      const human = await h.run(["list"]);
      assert.equal(human.code, 1);
      assert.match(human.stderr, /^error: Config|^error: Cannot parse config/);
      assert.ok(!human.stderr.includes("    at "), "no stack trace");
    });
  }
});

Deno.test("--set overrides one key for one run, validated, recorded; grants cannot be set", async () => {
  await withHome(async (h) => {
    h.task(
      "greet",
      `{ description: "d", schema: { who: { type: "string", required: true } }, run: (c) => ({ ok: true, summary: "hi " + c.who }) }`,
    );
    const r = await h.run(["--json", "run", "greet", "--set", "who=ann"]);
    assert.equal(r.json.summary, "hi ann");
    assert.deepEqual(r.json.overrides, { who: "ann" });
    const denied = await h.run(["--json", "run", "greet", "--set", "network=true"]);
    assert.equal(denied.code, 1);
    assert.equal(denied.json.error.kind, "usage");
    assert.match(denied.json.error.message, /network/);
    const badRetry = await h.run(["--json", "run", "greet", "--set", "who=a", "--set", "retry=-2"]);
    assert.equal(badRetry.json.error.kind, "usage");
    assert.match(badRetry.json.error.message, /retry/);
  });
});

Deno.test("schema: a violation is reported before the task starts", async () => {
  await withHome(async (h) => {
    const marker = `${h.dir}/started`;
    h.config(`tasks:\n  greet:\n    destructive: true\n    writes: ["${marker}"]\n`);
    h.task(
      "greet",
      `{ description: "d", schema: { who: { type: "string", required: true }, n: { type: "integer" } }, run: () => { Deno.writeTextFileSync(${
        JSON.stringify(marker)
      }, "x"); return { ok: true, summary: "ran" }; } }`,
    );
    const r = await h.run(["--json", "run", "greet", "--set", "n=1.5", "--set", "who=x"]);
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "schema_invalid");
    assert.match(r.json.error.message, /n must be of type integer/);
    const missing = await h.run(["--json", "run", "greet"]);
    assert.equal(missing.json.error.kind, "schema_invalid");
    assert.match(missing.json.error.message, /who is required/);
    assert.ok(!exists(marker), "task must not have started");
    const ok = await h.run(["--json", "run", "greet", "--set", "who=x"]);
    assert.equal(ok.json.status, "succeeded", JSON.stringify(ok.json));
    assert.ok(exists(marker));
  });
});

Deno.test("command tasks: json, jsonl and text output formats", async () => {
  await withHome(async (h) => {
    h.config(`tasks:
  j:
    type: command
    command: ["sh", "-c", "echo '{\\"a\\": [1, 2]}'"]
    output_format: json
  l:
    type: command
    command: ["sh", "-c", "printf '{\\"type\\":\\"p\\",\\"i\\":1}\\n{\\"type\\":\\"q\\",\\"i\\":2}\\n'"]
    output_format: jsonl
  t:
    type: command
    command: sh -c 'echo plain; exit 3'
    success_exit_codes: [0, 3]
  broken:
    type: command
    command: ["sh", "-c", "echo not-json"]
    output_format: json
`);
    const j = await h.run(["--json", "run", "j"]);
    assert.deepEqual(j.json.details.json, { a: [1, 2] });
    const l = await h.run(["--json", "run", "l"]);
    assert.equal(l.json.details.event_count, 2);
    assert.deepEqual(l.json.details.last_event, { type: "q", i: 2 });
    assert.equal(l.json.details.events.length, 2);
    const t = await h.run(["--json", "run", "t"]);
    assert.equal(t.json.status, "succeeded");
    assert.equal(t.json.details.stdout, "plain\n");
    const b = await h.run(["--json", "run", "broken"]);
    assert.equal(b.json.status, "failed");
    assert.match(b.json.error.message, /not valid JSON/);
  });
});

Deno.test("command task dry run without dry_run_args previews and executes nothing", async () => {
  await withHome(async (h) => {
    const marker = `${h.dir}/ran`;
    h.config(`tasks:\n  c:\n    type: command\n    command: ["touch", "${marker}"]\n`);
    const r = await h.run(["--json", "run", "c", "--dry-run"]);
    assert.equal(r.code, 2);
    assert.equal(r.json.details.preview, true);
    assert.ok(!exists(marker));
  });
});

Deno.test("a zod schema in a TS task: exported as JSON Schema, checked in the sandbox before run", async () => {
  await withHome(async (h) => {
    const marker = `${h.dir}/ran`;
    Deno.writeTextFileSync(
      `${h.dir}/tasks/zt.ts`,
      `import { z } from "npm:zod@^4.6.7";
export default {
  description: "zod schema task",
  destructive: true,
  writes: [${JSON.stringify(marker)}],
  schema: z.object({ who: z.string(), n: z.number().int().default(1) }),
  run(config: { who: string; n: number }) {
    Deno.writeTextFileSync(${JSON.stringify(marker)}, "x");
    return { ok: true, summary: "hi " + config.who + " x" + config.n };
  },
};
`,
    );
    const d = await h.run(["--json", "describe", "zt"]);
    assert.equal(d.json.task.schema.type, "object");
    assert.deepEqual(d.json.task.schema.required, ["who"]);
    const bad = await h.run(["--json", "run", "zt"]);
    assert.equal(bad.json.error.kind, "schema_invalid");
    assert.match(bad.json.error.message, /who/);
    assert.ok(!exists(marker), "run() must not have started");
    const good = await h.run(["--json", "run", "zt", "--set", "who=ann"]);
    assert.equal(good.json.summary, "hi ann x1");
  });
});
