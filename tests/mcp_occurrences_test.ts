/** MCP list_occurrences: the ledger through the same command, read-only. */
import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { withServer } from "./mcp_helpers.ts";

Deno.test("mcp: list_occurrences returns the task's slots, and a usage error for an unscheduled task", async () => {
  await withServer((h) => {
    h.config(`tasks:
  tick:
    type: command
    command: ["true"]
    schedule: "*/2 * * * * *"
  plain:
    type: command
    command: ["true"]
`);
  }, async (s, h) => {
    const r = await h.run(["--json", "run", "tick", "--slot", "auto"]);
    assertEquals(r.code, 0, r.stderr);
    const got = await s.call("list_occurrences", { task: "tick", limit: 5 });
    const ran = got.structuredContent.occurrences.find((o: { run_id: string | null }) =>
      o.run_id === r.json.run_id
    );
    assertEquals(ran.state, "ran");
    const bad = await s.call("list_occurrences", { task: "plain" });
    assertEquals(bad.isError, true);
    assertEquals(bad.structuredContent.error.kind, "usage");
  });
});
