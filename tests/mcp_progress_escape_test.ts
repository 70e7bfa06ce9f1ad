/**
 * Progress notifications carry the latest event's type — the task's text — and a client may
 * print them on a terminal: `ESC]0;…BEL` retitled it, a bidi override reordered it, and a 1 MB
 * type was sent again every second. The type is escaped like every terminal view, and bounded.
 */
import assert from "node:assert/strict";
import type { Progress } from "@modelcontextprotocol/sdk/types.js";
import { type Json, withServer } from "./mcp_helpers.ts";

const HOSTILE = "tick\u001b]0;PWNED\u0007\u202e\u009b31m";

Deno.test("mcp: progress messages escape and bound the event type the task chose", async () => {
  await withServer((h) =>
    h.task(
      "loud",
      `{ description: "hostile event types", run: async (_c, ctx) => {
        ctx.event(${JSON.stringify(HOSTILE)});
        await new Promise((r) => setTimeout(r, 1500));
        ctx.event("x".repeat(100000));
        await new Promise((r) => setTimeout(r, 1500));
        return { ok: true, summary: "done" };
      } }`,
    ), async (s) => {
    const seen: Progress[] = [];
    const r = await s.client.callTool(
      { name: "run_task", arguments: { task: "loud", wait_seconds: 60 } },
      undefined,
      { onprogress: (p: Progress) => seen.push(p) },
    );
    assert.equal((r.structuredContent as Json).status, "succeeded", JSON.stringify(r));
    const msgs = seen.map((p) => p.message ?? "");
    // Positive control: the event did reach the progress messages, escaped.
    assert.ok(
      msgs.some((m) => m.includes("latest: tick\\x1b]0;PWNED\\x07\\u{202e}\\x9b31m")),
      msgs.join(" | "),
    );
    assert.ok(msgs.some((m) => m.endsWith(`latest: ${"x".repeat(200)}…`)), "the long type, cut");
    for (const m of msgs) {
      // deno-lint-ignore no-control-regex
      assert.doesNotMatch(m, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, m);
      assert.ok(m.length < 300, `bounded: ${m.length} characters`);
    }
  });
});
