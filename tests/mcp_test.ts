/** `docket mcp` through a real MCP client (the SDK's Client over stdio) in a temp home. */
import assert from "node:assert/strict";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { until } from "./helpers.ts";
import { type Json, withServer } from "./mcp_helpers.ts";

const HELLO = `{ description: "Say hello", schema: { who: { type: "string", default: "world" } },
  run: (c, ctx) => { ctx.event("greeted", { who: c.who }); return { ok: true, summary: "hi " + c.who, details: { who: c.who } }; } }`;
const GREET =
  `{ description: "Needs who", schema: { who: { type: "string", required: true } }, run: (c) => ({ ok: true, summary: "hi " + c.who }) }`;
const WIPE =
  `{ description: "Destructive", destructive: true, writes: [], run: () => ({ ok: true, summary: "wiped" }) }`;

/** A command task printing JSON Lines events (`jsonl`), one shell line per entry. */
function eventsTask(name: string, script: string): string {
  return `  ${name}:\n    type: command\n    command: ["sh", "-c", ${
    JSON.stringify(script)
  }]\n    output_format: jsonl\n`;
}
const ev = (type: string) => `echo '{"type":"${type}"}'`;

const TOOLS = [
  "cancel_run",
  "describe_task",
  "get_events",
  "get_logs",
  "get_run",
  "list_occurrences",
  "list_runs",
  "list_tasks",
  "run_task",
  "start_task",
  "wait_run",
];

Deno.test("mcp: tools/list has every tool with schemas and annotations derived from grants", async () => {
  await withServer((h) => {
    h.task("hello", HELLO);
    h.task("wipe", WIPE);
    h.config(`tasks:\n  sleeper:\n    type: command\n    command: ["sleep", "300"]\n`);
  }, async (s, h) => {
    const tools = await s.tools();
    assert.deepEqual(tools.map((t) => t.name).sort(), TOOLS);
    const by = new Map(tools.map((t) => [t.name, t]));
    for (const n of ["list_tasks", "describe_task", "get_run", "wait_run", "get_logs"]) {
      assert.equal(by.get(n)!.annotations?.readOnlyHint, true, n);
      assert.ok(by.get(n)!.outputSchema, n);
    }
    const run = by.get("run_task")!;
    assert.equal(run.annotations?.readOnlyHint, false);
    assert.equal(run.annotations?.destructiveHint, true, "wipe is destructive");
    assert.equal(run.annotations?.openWorldHint, true, "sleeper is a command task");
    assert.match(run.description!, /destructive[^\n]*wipe[^\n]*refused unless dry_run/);
    assert.match(run.description!, /auto-approvable[^\n]*hello/);
    assert.equal((run.inputSchema.properties as Json).wait_seconds.maximum, 300);

    const list = await s.call("list_tasks");
    assert.equal(list.isError, undefined);
    const tasks = new Map(list.structuredContent.tasks.map((t: Json) => [t.name, t]));
    assert.deepEqual((tasks.get("hello") as Json).mcp, {
      auto_approvable: true,
      allowed: true,
      enforcement: "deno",
    });
    assert.deepEqual((tasks.get("sleeper") as Json).mcp.auto_approvable, false);
    assert.deepEqual((tasks.get("sleeper") as Json).mcp.enforcement, "advisory");
    assert.deepEqual((tasks.get("wipe") as Json).mcp.allowed, false);
    assert.equal(JSON.parse(list.content[0].text).ok, true, "text content is the same JSON");
    assert.match(s.stderr(), /serving MCP on stdio/, "logs go to stderr");
    // The server outlives config edits: the next call sees them.
    h.config(`tasks:\n  later:\n    type: command\n    command: ["true"]\n`);
    const again = await s.call("list_tasks");
    assert.ok(again.structuredContent.tasks.some((t: Json) => t.name === "later"));
  });
});

Deno.test("mcp: run_task runs a task synchronously and returns its result", async () => {
  await withServer((h) => h.task("hello", HELLO), async (s) => {
    const r = await s.call("run_task", { task: "hello", set: { who: "ann" } });
    assert.equal(r.isError, undefined, JSON.stringify(r));
    const d = r.structuredContent;
    assert.equal(d.status, "succeeded");
    assert.equal(d.finished, true);
    assert.equal(d.summary, "hi ann");
    assert.deepEqual(d.details, { who: "ann" });
    assert.deepEqual(d.overrides, { who: "ann" });
    const got = await s.call("get_run", { run_id: d.run_id });
    assert.equal(got.structuredContent.status, "succeeded");
    const ev = await s.call("get_events", { run_id: d.run_id });
    assert.deepEqual(ev.structuredContent.events.map((e: Json) => e.event_type), ["greeted"]);
    const dry = await s.call("run_task", { task: "hello", dry_run: true });
    assert.equal(dry.structuredContent.status, "dry_run");
    const runs = await s.call("list_runs", { task: "hello" });
    assert.equal(runs.structuredContent.runs.length, 2);
    const desc = await s.call("describe_task", { task: "hello" });
    assert.equal(desc.structuredContent.task.mcp.auto_approvable, true);
  });
});

Deno.test("mcp: start_task, then get_events / get_logs / wait_run follow the run to its end", async () => {
  let gate = "";
  await withServer((h) => {
    gate = `${h.dir}/gate`;
    h.config(
      `tasks:\n${
        eventsTask(
          "gated",
          `${ev("a")}; ${ev("b")}; ${ev("c")}; while [ ! -e ${gate} ]; do sleep 0.05; done; ` +
            ev("last"),
        )
      }`,
    );
  }, async (s) => {
    const start = await s.call("start_task", { task: "gated" });
    const receipt = start.structuredContent;
    assert.equal(receipt.status, "running");
    assert.equal(receipt.finished, false);
    assert.match(receipt.note, /wait_run/);
    const id = receipt.run_id;
    let first: Json;
    await until(
      async () => {
        first = (await s.call("get_events", { run_id: id })).structuredContent;
        return first.total === 3;
      },
      15000,
      "3 events",
    );
    assert.equal(first.status, "running");
    assert.equal(first.next_from, 3);
    const early = await s.call("wait_run", { run_id: id, timeout_seconds: 0.2 });
    assert.equal(early.structuredContent.finished, false);
    assert.equal(early.structuredContent.status, "running");
    Deno.writeTextFileSync(gate, "");
    const done = await s.call("wait_run", { run_id: id, timeout_seconds: 30 });
    assert.equal(done.structuredContent.finished, true);
    assert.equal(done.structuredContent.status, "succeeded");
    const rest = await s.call("get_events", { run_id: id, from: first.next_from });
    assert.deepEqual(rest.structuredContent.events.map((e: Json) => e.event_type), ["last"]);
    assert.equal(rest.structuredContent.next_from, 4);
    // Page through the log a few bytes at a time: the pages add up to the whole file.
    const whole = Deno.readTextFileSync(receipt.log_path);
    let text = "";
    let offset = 0;
    for (let i = 0; i < 100; i++) {
      const page = (await s.call("get_logs", { run_id: id, offset, max_bytes: 10 }))
        .structuredContent;
      text += page.content;
      offset = page.next_offset;
      if (page.eof) break;
    }
    assert.equal(text, whole);
    const tail = await s.call("get_logs", { run_id: id, tail: 1 });
    assert.equal(tail.structuredContent.content, '{"type":"last"}\n');
    assert.equal(tail.structuredContent.next_offset, new TextEncoder().encode(whole).length);
  });
});

Deno.test("mcp: cancel_run stops a running `sleep 300` task", async () => {
  await withServer(
    (h) => h.config(`tasks:\n  sleeper:\n    type: command\n    command: ["sleep", "300"]\n`),
    async (s) => {
      const r = await s.call("run_task", { task: "sleeper", wait_seconds: 0.3 });
      const d = r.structuredContent;
      assert.equal(d.finished, false, "past wait_seconds: the receipt");
      assert.equal(d.status, "running");
      assert.match(d.note, /Still running after 0.3 s/);
      const c = await s.call("cancel_run", { run_id: d.run_id, grace_seconds: 1 });
      assert.equal(c.isError, undefined, JSON.stringify(c));
      assert.equal(c.structuredContent.cancelled, true);
      assert.equal(c.structuredContent.status, "cancelled");
      const again = await s.call("get_run", { run_id: d.run_id });
      assert.equal(again.structuredContent.status, "cancelled");
    },
  );
});

Deno.test("mcp: clear tool errors for an unknown task, a schema violation and bad input", async () => {
  await withServer((h) => {
    h.task("hello", HELLO);
    h.task("greet", GREET);
  }, async (s) => {
    const unknown = await s.call("run_task", { task: "helo" });
    assert.equal(unknown.isError, true);
    assert.equal(unknown.structuredContent.ok, false);
    assert.equal(unknown.structuredContent.error.kind, "task_not_found");
    assert.equal(
      unknown.structuredContent.error.message,
      `Cannot find task "helo": did you mean "hello"?`,
    );
    const schema = await s.call("run_task", { task: "greet" });
    assert.equal(schema.isError, true);
    assert.equal(schema.structuredContent.error.kind, "schema_invalid");
    assert.match(schema.structuredContent.error.message, /who/);
    const fixed = await s.call("run_task", { task: "greet", set: { who: "bo" } });
    assert.equal(fixed.structuredContent.summary, "hi bo");
    const locked = await s.call("start_task", { task: "greet", set: { network: true } });
    assert.equal(locked.structuredContent.error.kind, "usage");
    assert.match(locked.structuredContent.error.message, /Cannot override "network"/);
    const badId = await s.call("get_run", { run_id: "nope" });
    assert.equal(badId.structuredContent.error.kind, "usage");
    const typo = await s.call("run_task", { task: "hello", dryrun: true });
    assert.equal(typo.isError, true, "unknown keys are refused, not ignored");
    assert.match(typo.content[0].text, /dryrun/);
    const tooLong = await s.call("run_task", { task: "hello", wait_seconds: 1000 });
    assert.equal(tooLong.isError, true);
    assert.match(tooLong.content[0].text, /wait_seconds/);
    const both = await s.call("get_logs", {
      run_id: fixed.structuredContent.run_id,
      tail: 1,
      offset: 0,
    });
    assert.equal(both.structuredContent.error.kind, "usage");
  });
});

Deno.test("mcp: a destructive task is refused without --allow-destructive (dry runs pass)", async () => {
  await withServer((h) => h.task("wipe", WIPE), async (s) => {
    for (const tool of ["run_task", "start_task"]) {
      const r = await s.call(tool, { task: "wipe" });
      assert.equal(r.isError, true, tool);
      assert.equal(r.structuredContent.error.kind, "permission_denied");
      assert.match(
        r.structuredContent.error.message,
        /destructive task "wipe".*--allow-destructive/,
      );
      assert.match(r.structuredContent.error.hint, /docket mcp --allow-destructive/);
    }
    const dry = await s.call("run_task", { task: "wipe", dry_run: true });
    assert.equal(dry.structuredContent.status, "dry_run");
    assert.equal((await s.call("list_runs")).structuredContent.runs.length, 1);
  });
});

Deno.test("mcp: with --allow-destructive a destructive task runs", async () => {
  await withServer((h) => h.task("wipe", WIPE), async (s) => {
    const r = await s.call("run_task", { task: "wipe" });
    assert.equal(r.isError, undefined, JSON.stringify(r));
    assert.equal(r.structuredContent.status, "succeeded");
    const list = await s.call("list_tasks");
    const wipe = list.structuredContent.tasks.find((t: Json) => t.name === "wipe");
    assert.deepEqual(wipe.mcp, { auto_approvable: false, allowed: true, enforcement: "deno" });
    const tools = await s.tools();
    assert.match(tools.find((t) => t.name === "run_task")!.description!, /wipe — allowed/);
  }, ["--allow-destructive"]);
});

Deno.test("mcp: run_task sends progress notifications from the task's events while it waits", async () => {
  await withServer((h) =>
    h.config(
      `tasks:\n${
        eventsTask(
          "ticker",
          `sleep 1.2; ${ev("tick")}; sleep 0.4; ${ev("tick")}; sleep 0.4; ${ev("done")}`,
        )
      }`,
    ), async (s) => {
    const seen: Progress[] = [];
    const r = await s.client.callTool(
      { name: "run_task", arguments: { task: "ticker", wait_seconds: 30 } },
      undefined,
      { onprogress: (p: Progress) => seen.push(p) },
    );
    assert.equal(r.isError, undefined, JSON.stringify(r));
    assert.equal((r.structuredContent as Json).status, "succeeded");
    const msgs = seen.map((p) => p.message);
    assert.ok(msgs.includes("waiting for the first event"), "a heartbeat before any event");
    assert.ok(msgs.includes("1 event; latest: tick"), msgs.join(" | "));
    assert.ok(msgs.includes("3 events; latest: done"), msgs.join(" | "));
    for (let i = 1; i < seen.length; i++) {
      assert.ok(seen[i]!.progress > seen[i - 1]!.progress, "progress always increases");
    }
    assert.equal(Math.floor(seen.at(-1)!.progress), 3, "the integer part counts events");
  });
});
