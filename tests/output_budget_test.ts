/**
 * A run's output is bounded: a task with no grants (auto-approvable through MCP) wrote a 300 MB
 * log in 4 s and could store events without end, filling docket's own disk. Past the budget
 * output is drained but not kept, and the run says so.
 */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const MIB = 1024 * 1024;

Deno.test("log and events past the run's budget are dropped, said in details; the run succeeds", async () => {
  await withHome(async (h) => {
    h.task(
      "spew",
      `{ description: "prints 5 MiB and 2000 events", async run(_c, ctx) {
        const line = new TextEncoder().encode("y".repeat(${MIB} - 1) + "\\n");
        for (let i = 0; i < 5; i++) await Deno.stdout.write(line);
        for (let i = 0; i < 2000; i++) ctx.event("tick", { i });
        return { ok: true, summary: "done" };
      } }`,
    );
    // Positive control: within the default budget everything is kept.
    const full = await h.run(["--json", "run", "spew"]);
    assert.equal(full.json.status, "succeeded", full.stdout);
    assert.ok(Deno.statSync(full.json.log_path).size >= 5 * MIB);
    assert.equal(
      (await h.run(["--json", "events", full.json.run_id, "--limit", "1"])).json.total,
      2000,
    );
    assert.equal(full.json.details.log_truncated, undefined);

    const env = { DOCKET_MAX_LOG_BYTES: String(MIB), DOCKET_MAX_EVENTS: "500" };
    const cut = await h.run(["--json", "run", "spew"], { env });
    assert.equal(cut.json.status, "succeeded", cut.stdout);
    const size = Deno.statSync(cut.json.log_path).size;
    assert.ok(size <= MIB + 200, `log kept to the budget: ${size} bytes`);
    assert.match(
      Deno.readTextFileSync(cut.json.log_path).slice(-200),
      /log limit reached \(1048576 bytes\)/,
    );
    assert.deepEqual(cut.json.details.log_truncated, {
      limit_bytes: MIB,
      dropped_bytes: 5 * MIB - MIB,
    });
    assert.equal(
      (await h.run(["--json", "events", cut.json.run_id, "--limit", "1"])).json.total,
      500,
    );
    assert.deepEqual(cut.json.details.events_truncated, { limit: 500, dropped: 1500 });
  });
});
