/**
 * A client without --allow-destructive could start runs without bound: `force: true` skips the
 * task's lock, and 30 concurrent start_task calls of one task all started (≈ 40 MB each, until
 * the machine runs out of memory). One server keeps at most MAX_ACTIVE_RUNS runs going.
 */
import assert from "node:assert/strict";
import { type Json, withServer } from "./mcp_helpers.ts";

const LIMIT = 8;

Deno.test("MCP: at most 8 runs of one server go at once; a finished one frees its slot", async () => {
  await withServer(
    (h) => {
      h.task(
        "idle",
        `{ description: "waits to be cancelled", run: (_c, ctx) => new Promise((ok) =>
          ctx.signal.addEventListener("abort", () => ok({ ok: false, summary: "stopped" }))) }`,
      );
      h.config(`tasks:\n  idle:\n    timeout_seconds: 120\n    kill_grace_seconds: 1\n`);
    },
    async (s) => {
      const calls = await Promise.all(
        Array.from(
          { length: LIMIT + 4 },
          () => s.call("start_task", { task: "idle", force: true }),
        ),
      );
      const ok = calls.filter((c: Json) => !c.isError);
      const refused = calls.filter((c: Json) => c.isError);
      try {
        assert.equal(ok.length, LIMIT, "positive control: runs up to the limit start");
        assert.equal(refused.length, 4);
        for (const r of refused) {
          assert.equal(r.structuredContent.error.kind, "lock_held");
          assert.equal(r.structuredContent.error.details.limit, LIMIT);
          assert.match(r.structuredContent.error.message, /already has 8 runs going/);
        }
        // One ends: its slot is free for the next start.
        const first = ok[0].structuredContent.run_id;
        const c = await s.call("cancel_run", { run_id: first });
        assert.equal(c.structuredContent.status, "cancelled", JSON.stringify(c.structuredContent));
        const again = await s.call("start_task", { task: "idle", force: true });
        assert.ok(!again.isError, JSON.stringify(again.structuredContent));
        ok.push(again);
      } finally {
        await Promise.all(
          ok.map((c: Json) => s.call("cancel_run", { run_id: c.structuredContent.run_id })),
        );
      }
    },
  );
});
