/** Readable human views (issue 12.18): describe, runs, run --audit, hooks, help, options, events. */
import assert from "node:assert/strict";
import { loopbackServer, withHome } from "./helpers.ts";
import { onTty } from "./tty.ts";

Deno.test("describe shows the config as key: value lines and the schema as a field table", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  greet:\n    greeting: hello\n    limits:\n      depth: 3\n`);
    h.task(
      "greet",
      `{ description: "d", schema: { greeting: { type: "string", required: true,
        description: "What to say" }, times: { type: "integer", default: 1 } },
        run: () => ({ ok: true, summary: "" }) }`,
    );
    const r = await h.run(["describe", "greet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Config:\n {2}greeting: hello\n {2}limits:\n {4}depth: 3$/m, r.stdout);
    assert.match(r.stdout, /^Schema:\n {2}FIELD\s+TYPE\s+REQUIRED\s+DESCRIPTION$/m);
    assert.match(r.stdout, /^ {2}greeting\s+string\s+yes\s+What to say$/m);
    assert.match(r.stdout, /^ {2}times\s+integer\s+no\s+default 1$/m);
    assert.ok(!r.stdout.includes('{"greeting"'), "no JSON blobs");
  });
});

Deno.test("runs fits the summary to the terminal width and marks the cut with …", async () => {
  await withHome(async (h) => {
    const long = "word ".repeat(60).trim();
    h.task("chatty", `{ description: "d", run: () => ({ ok: true, summary: "${long}" }) }`);
    await h.run(["run", "chatty"]);
    for (const cols of [100, 160]) {
      const out = await onTty(h, ["runs"], cols);
      const row = out.split(/\r?\n/).find((l) => l.includes("chatty"))!;
      assert.ok(row.endsWith("…"), `cut marked: ${JSON.stringify(row)}`);
      assert.ok([...row].length <= cols, `${[...row].length} ≤ ${cols}`);
      assert.ok([...row].length >= cols - 3, `uses the width (${[...row].length} of ${cols})`);
    }
    h.task("short", `{ description: "d", run: () => ({ ok: true, summary: "all done" }) }`);
    await h.run(["run", "short"]);
    const piped = await h.run(["runs"], { env: { COLUMNS: "100" } });
    assert.match(piped.stdout, /all done$/m, "an uncut summary has no …");
  });
});

Deno.test("run --audit prints its findings in human mode", async () => {
  await withHome(async (h) => {
    Deno.writeTextFileSync(`${h.dir}/secret.txt`, "s");
    Deno.mkdirSync(`${h.dir}/data`);
    h.task(
      "peek",
      `{ description: "d", reads: ["${h.dir}/data"], async run() {
        return { ok: true, summary: await Deno.readTextFile("${h.dir}/secret.txt") }; } }`,
    );
    const r = await h.run(["run", "peek", "--audit"]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Audit:$/m, r.stdout);
    assert.match(r.stdout, new RegExp(`^ {4}read {2}${h.dir}/secret\\.txt$`, "m"));
    assert.match(r.stdout, new RegExp(`^ {4}reads: ${h.dir}/data$`, "m"), "unused grant");
    assert.match(r.stdout, /^ {2}minimal declaration:$/m);
    const plain = await h.run(["run", "peek"]);
    assert.ok(!plain.stdout.includes("Audit:"), "no audit section without --audit");
  });
});

Deno.test("a failed notification shows its reason in human run output", async () => {
  const srv = loopbackServer();
  await srv.close(); // nothing listens on this port now
  await withHome(async (h) => {
    h.config(`tasks:
  job:
    type: command
    command: ["true"]
    notify:
      on: [complete]
      timeout_seconds: 2
      discord:
        webhook_url_env: DISCORD_URL
`);
    const env = { DISCORD_URL: `http://127.0.0.1:${srv.port}/api/webhooks/1/tok-abcdef` };
    const r = await h.run(["run", "job"], { env });
    assert.equal(r.code, 0, r.stderr);
    const line = r.stdout.split("\n").find((l) => l.includes("notify:discord"))!;
    assert.match(line, /failed — Cannot send Discord notification: .+/, r.stdout);
    assert.ok(!line.includes("tok-abcdef"), "the webhook token stays masked");
  });
});

Deno.test("misspelt options get a suggestion; docket help <command> shows its help", async () => {
  await withHome(async (h) => {
    const r = await h.run(["run", "x", "--dryrun"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Unknown option '--dryrun': did you mean "--dry-run"\?/);
    const j = await h.run(["--json", "runs", "--limt", "3"]);
    assert.equal(j.json.error.kind, "usage");
    assert.match(j.json.error.message, /did you mean "--limit"\?/);
    const far = await h.run(["runs", "--zzzzzzzz"]);
    assert.ok(!far.stderr.includes("did you mean"), "no guess when nothing is close");
    const help = await h.run(["help", "run"]);
    const flag = await h.run(["run", "--help"]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, flag.stdout);
    assert.match(help.stdout, /--dry-run/);
    const bad = await h.run(["help", "rnu"]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /Unknown command "rnu": did you mean "run"\?/);
    assert.equal((await h.run(["help"])).stdout, (await h.run(["--help"])).stdout);
  });
});

Deno.test("events --follow prints the same columns as events", async () => {
  await withHome(async (h) => {
    h.task(
      "ev",
      `{ description: "d", run(_c, ctx) { ctx.event("step", { n: 1 });
        ctx.event("done", { n: 2 }); return { ok: true, summary: "" }; } }`,
    );
    const id = (await h.run(["--json", "run", "ev"])).json.run_id;
    const table = (await h.run(["events", id])).stdout.trimEnd().split("\n");
    const follow = (await h.run(["events", id, "--follow"])).stdout.trimEnd().split("\n");
    const cols = (l: string) => l.trim().split(/\s{2,}/);
    assert.equal(follow.length, table.length);
    assert.deepEqual(cols(follow[0]!), ["#", "TIME", "TYPE", "EVENT"]);
    for (let i = 0; i < table.length; i++) assert.deepEqual(cols(follow[i]!), cols(table[i]!));
  });
});
