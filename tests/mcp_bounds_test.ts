/**
 * Bounds (issue 14.6): a `set` value or a JSON-RPC message over its documented size gets a
 * JSON-RPC error, and the server never exits silently — it answers and goes on serving.
 */
import assert from "node:assert/strict";
import { McpError } from "@modelcontextprotocol/sdk/types.js";
import { type Home, MAIN, withHome } from "./helpers.ts";
import { withServer } from "./mcp_helpers.ts";

const HELLO = `{ run: (c) => ({ ok: true, summary: "hi " + String(c.who ?? "") }) }`;

Deno.test("mcp: a set value over 16 KiB is a JSON-RPC error (-32602); a small one runs", async () => {
  await withServer((h) => h.task("hello", HELLO), async (s) => {
    const big = "x".repeat(16 * 1024 + 1);
    let err: McpError | undefined;
    try {
      await s.call("run_task", { task: "hello", set: { who: big } });
    } catch (e) {
      assert.ok(e instanceof McpError, `a JSON-RPC error, got ${String(e)}`);
      err = e;
    }
    assert.ok(err, "the call was refused");
    assert.equal(err.code, -32602);
    assert.match(err.message, /set\.who is 16388 bytes; a set value may have at most 16384/);
    const many = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 1]));
    await assert.rejects(s.call("start_task", { task: "hello", set: many }), /at most 64/);
    const ok = await s.call("run_task", { task: "hello", set: { who: "ann" } });
    assert.equal(ok.structuredContent.summary, "hi ann", "the server goes on");
    assert.equal((await s.call("list_runs")).structuredContent.runs.length, 1, "nothing ran");
  });
});

/** Raw JSON-RPC over the server's stdio: writes `lines`, reads until `lastId` is answered. */
async function raw(h: Home, lines: string[], lastId: number) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "mcp"],
    env: { ...h.env, ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}) },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const errText = new Response(child.stderr).text();
  const w = child.stdin.getWriter();
  for (const l of lines) await w.write(new TextEncoder().encode(l + "\n"));
  // deno-lint-ignore no-explicit-any
  const out: any[] = [];
  let buf = "";
  const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    const parts = buf.split("\n");
    buf = parts.pop()!;
    out.push(...parts.filter(Boolean).map((l) => JSON.parse(l)));
    if (out.some((m) => m.id === lastId)) break;
  }
  await w.close(); // the client goes away: the server must say so and stop
  const status = await child.status;
  clearTimeout(timer);
  return { out, err: await errText, code: status.code };
}

const rpc = (id: number, method: string, params: unknown = {}) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, params });
const INIT = rpc(1, "initialize", {
  protocolVersion: "2025-06-18",
  capabilities: {},
  clientInfo: { name: "raw", version: "0" },
});

Deno.test("mcp: a 12 MB line gets a JSON-RPC error with its id, bad JSON a parse error, and the server answers the next request", async () => {
  await withHome(async (h) => {
    h.task("hello", HELLO);
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      method: "tools/call",
      params: { name: "run_task", arguments: { task: "hello", set: { who: "y".repeat(12e6) } } },
      id: 2,
    });
    const { out, err, code } = await raw(h, [
      INIT,
      JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
      huge,
      "{not json",
      rpc(3, "tools/list"),
    ], 3);
    // deno-lint-ignore no-explicit-any
    const by = new Map(out.map((m: any) => [m.id, m]));
    // deno-lint-ignore no-explicit-any
    const tooBig = by.get(2) as any;
    assert.equal(tooBig?.error?.code, -32600, JSON.stringify(out).slice(0, 500));
    assert.match(tooBig.error.message, /Request too large: 12\d{6} bytes; .*at most 1048576/);
    // deno-lint-ignore no-explicit-any
    const parse = out.find((m: any) => m.error?.code === -32700) as any;
    assert.equal(parse?.id, null);
    // deno-lint-ignore no-explicit-any
    assert.ok((by.get(3) as any)?.result?.tools?.length > 0, "served the request after them");
    assert.match(err, /refused a 12\d{6}-byte message/);
    assert.match(err, /stopping: stdin (ended|closed)/, "says why it stops");
    assert.equal(code, 0);
  });
});
