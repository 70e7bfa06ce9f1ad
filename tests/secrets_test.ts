/**
 * Secrets stay masked everywhere a run puts them (issue 12.10) and in shown command lines
 * (issue 14.15): literal `env:` values of command tasks, `--set` values of secret-looking keys
 * (not in the state DB either), values inside `details.audit`, credentials in `command`/`args`
 * in describe, capabilities and MCP list_tasks. Each with a positive control: the task really
 * received the value.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { type Home, MAIN, withHome } from "./helpers.ts";

const LITERAL = "tok-literal-7f3a9c";

function everything(h: Home, runId: string): string {
  const db = new DatabaseSync(h.stateDb, { readOnly: true });
  try {
    const rows = db.prepare("SELECT * FROM runs WHERE run_id = ?").all(runId);
    const events = db.prepare("SELECT * FROM events WHERE run_id = ?").all(runId);
    const log = Deno.readTextFileSync(`${h.dir}/logs/${runId}.log`);
    return JSON.stringify({ rows, events }) + log;
  } finally {
    db.close();
  }
}

Deno.test("a command task's literal env: secret is masked in log, result, events and hook output", async () => {
  await withHome(async (h) => {
    // A declared write: the jail hides the rest of /tmp (the home is read-only inside it).
    const seen = `${h.dir}/seen.txt`;
    h.config(`tasks:
  job:
    type: command
    destructive: true
    writes: ["${seen}"]
    command: ["sh", "-c", "printf %s \\"$API_TOKEN\\" > ${seen}; echo \\"{\\\\\\"type\\\\\\":\\\\\\"tick\\\\\\",\\\\\\"t\\\\\\":\\\\\\"$API_TOKEN\\\\\\"}\\"; echo \\"token is $API_TOKEN\\" >&2"]
    output_format: jsonl
    env:
      API_TOKEN: ${LITERAL}
      PLAIN: visible-value
    on_complete: 'echo "hook saw $DOCKET_SUMMARY $DOCKET_DETAILS_JSON"'
`);
    const r = await h.run(["--json", "run", "job"]);
    assert.equal(Deno.readTextFileSync(seen), LITERAL, "positive control: the task got the value");
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.json.hooks.length, 1);
    assert.match(r.json.hooks[0].output_tail, /hook saw .*\*\*\*/);
    const out = JSON.stringify(r.json) + everything(h, r.json.run_id);
    assert.ok(!out.includes(LITERAL), `the literal value leaked:\n${out}`);
    assert.ok(out.includes("***"), "masked where it was");
    const caps = await h.run(["--json", "capabilities"]);
    assert.ok(!caps.stdout.includes(LITERAL), "capabilities masks it (as before)");
    const task = caps.json.tasks.find((t: { name: string }) => t.name === "job");
    assert.equal(task.config.env.PLAIN, "visible-value", "non-secret names stay visible");
  });
});

Deno.test("--set of a secret-looking key never reaches the state DB, foreground or async", async () => {
  await withHome(async (h) => {
    const value = "sekrit-set-4242";
    h.task(
      "svc",
      `{ description: "d", run: (c) => ({ ok: true, summary: "len " + String(c.api_token).length,
        details: { matches: c.api_token === "${value}" } }) }`,
    );
    const fg = await h.run(["--json", "run", "svc", "--set", `api_token=${value}`]);
    assert.equal(fg.code, 0, fg.stderr);
    assert.equal(fg.json.details.matches, true, "positive control: the task got the value");
    const rc = await h.run(["--json", "run", "svc", "--set", `api_token=${value}`, "--async"]);
    const w = await h.run(["--json", "wait", rc.json.run_id, "--timeout", "60"]);
    assert.equal(w.json.details.matches, true, "the async runner got the value too");
    const db = new DatabaseSync(h.stateDb, { readOnly: true });
    const rows = db.prepare("SELECT overrides_json FROM runs").all() as {
      overrides_json: string;
    }[];
    db.close();
    assert.equal(rows.length, 2);
    for (const row of rows) assert.deepEqual(JSON.parse(row.overrides_json), { api_token: "***" });
    assert.ok(!JSON.stringify(fg.json).includes(value) && !JSON.stringify(w.json).includes(value));
  });
});

Deno.test("details.audit masks a declared secret inside an accessed or denied target", async () => {
  await withHome(async (h) => {
    const secret = "audit-secret-91c2";
    h.task(
      "peek",
      `{ description: "d", required_env: ["SECRET_NAME"], async run() {
        const name = Deno.env.get("SECRET_NAME");
        try { await Deno.readTextFile("/tmp/" + name + ".txt"); } catch (e) {
          if (!(e instanceof Deno.errors.NotCapable)) throw e; }
        return { ok: true, summary: "length " + name.length }; } }`,
    );
    const r = await h.run(["--json", "run", "peek", "--audit"], { env: { SECRET_NAME: secret } });
    assert.equal(r.json.summary, `length ${secret.length}`, "positive control: it read the var");
    const audit = JSON.stringify(r.json.details.audit);
    assert.ok(audit.includes("/tmp/***.txt"), audit);
    assert.ok(!JSON.stringify(r.json).includes(secret));
    assert.ok(!everything(h, r.json.run_id).includes(secret), "nor in the store or log");
  });
});

const BEARER = "abcd-efgh-bearer-1234";
const PW = "pw-5678-xyz";
const cmdConfig = `tasks:
  curl:
    type: command
    command: ["curl", "-H", "Authorization: Bearer ${BEARER}", "--password", "${PW}", "http://127.0.0.1:9/"]
  str:
    type: command
    command: "curl -H 'Authorization: Bearer ${BEARER}' --token=${PW} http://127.0.0.1:9/"
  db:
    type: command
    command: ["mysqldump", "-uroot"]
    args: ["-p${PW}", "--all-databases"]
`;

Deno.test("credentials in command lines are masked in describe, capabilities and MCP list_tasks", async () => {
  await withHome(async (h) => {
    h.config(cmdConfig);
    const caps = await h.run(["--json", "capabilities"]);
    assert.equal(caps.code, 0, caps.stderr);
    const byName = new Map(caps.json.tasks.map((t: { name: string }) => [t.name, t]));
    // deno-lint-ignore no-explicit-any
    const cfg = (n: string) => (byName.get(n) as any).config;
    assert.deepEqual(cfg("curl").command, [
      "curl",
      "-H",
      "Authorization: Bearer ***",
      "--password",
      "***",
      "http://127.0.0.1:9/",
    ]);
    assert.equal(
      cfg("str").command,
      "curl -H 'Authorization: Bearer ***' --token=*** http://127.0.0.1:9/",
    );
    assert.deepEqual(cfg("db").args, ["-p***", "--all-databases"]);
    for (const args of [["describe", "curl"], ["--json", "describe", "str"], ["describe", "db"]]) {
      const d = await h.run(args);
      assert.equal(d.code, 0);
      assert.ok(!d.stdout.includes(BEARER) && !d.stdout.includes(PW), d.stdout);
      assert.ok(d.stdout.includes("***"));
    }
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", MAIN, "mcp"],
      env: h.env,
      stderr: "pipe",
    });
    const client = new Client({ name: "t", version: "0" });
    await client.connect(transport);
    try {
      const list = JSON.stringify(await client.callTool({ name: "list_tasks", arguments: {} }));
      assert.ok(list.includes("Authorization: Bearer ***"), "MCP shows the masked header");
      assert.ok(!list.includes(BEARER) && !list.includes(PW));
    } finally {
      await client.close();
    }
  });
});

Deno.test("a credential from the command line is masked in the run's output too", async () => {
  await withHome(async (h) => {
    h.config(`tasks:
  echo:
    type: command
    command: ["sh", "-c", "echo got $2", "sh", "--token", "${PW}"]
`);
    const r = await h.run(["--json", "run", "echo"]);
    assert.equal(r.code, 0, r.stderr);
    const all = JSON.stringify(r.json) + everything(h, r.json.run_id);
    assert.ok(all.includes("got ***"), all);
    assert.ok(!all.includes(PW));
  });
});
