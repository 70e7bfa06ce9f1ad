/**
 * Text survives intact, events too (issue 14.14 fixed it for summaries only): an event type
 * holding a NUL was read back from SQLite cut before it — `events` and MCP `get_events`
 * said "step" for "step\0 two", while the event's own JSON kept it whole.
 */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";
import { connect } from "./mcp_helpers.ts";

const TYPE = "step\u0000 two";

Deno.test("an event type with a NUL byte is returned whole by events and MCP get_events", async () => {
  await withHome(async (h) => {
    h.task(
      "nul",
      `{ description: "NUL in an event type", run: (_c, ctx) => {
        ctx.event(${JSON.stringify(TYPE)}, { n: 1 });
        return { ok: true, summary: "done" };
      } }`,
    );
    const r = await h.run(["--json", "run", "nul"]);
    assert.equal(r.json.status, "succeeded", r.stdout);
    const ev = (await h.run(["--json", "events", r.json.run_id])).json.events[0];
    assert.equal(ev.event.type, TYPE, "positive control: the event's JSON holds it whole");
    assert.equal(ev.event_type, TYPE);
    const human = await h.run(["events", r.json.run_id]);
    assert.match(human.stdout, /step\\x00 two/, "escaped on a terminal view");
    const s = await connect(h);
    try {
      const g = await s.call("get_events", { run_id: r.json.run_id });
      assert.equal(g.structuredContent.events[0].event_type, TYPE);
    } finally {
      await s.client.close();
    }
  });
});
