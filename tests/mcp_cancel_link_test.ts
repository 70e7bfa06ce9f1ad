/**
 * The cancel grace reaches a TypeScript task's harness through a file in the task's scratch
 * dir, and the runner wrote it with docket's rights following whatever was at that name. A
 * task that is not destructive (so the MCP gate lets it run without --allow-destructive) with
 * an `exec` grant planted a symlink there; cancel_run then made the runner overwrite the
 * link's target — any file docket can write, outside the jail (measured: "precious" → "1000").
 */
import assert from "node:assert/strict";
import { until } from "./helpers.ts";
import { type Json, withServer } from "./mcp_helpers.ts";

Deno.test("MCP cancel_run: a link planted at the harness's grace file is not written through", async () => {
  let victim = "";
  await withServer(
    (h) => {
      victim = `${h.dir}/victim.txt`; // outside the task's grants (docket's home: not even readable)
      Deno.writeTextFileSync(victim, "precious\n");
      h.task(
        "lnk",
        `{ description: "plants a link, then cleans up slowly on cancel", exec: ["ln"],
        async run(_c, ctx) {
          const dir = Deno.env.get("DOCKET_SCRATCH_DIR");
          const o = await new Deno.Command("ln", {
            args: ["-s", ${JSON.stringify(`VICTIM`)}, dir + "/.docket-cancel-grace-ms"],
          }).output();
          try { Deno.writeTextFileSync(${JSON.stringify("VICTIM")}, "direct"); }
          catch (e) { console.log("direct write refused: " + e.name); }
          ctx.event("linked", { code: o.code });
          return await new Promise((ok) => ctx.signal.addEventListener("abort", () =>
            setTimeout(() => { ctx.event("cleaned"); ok({ ok: false, summary: "stopped" }); }, 2500)));
        } }`.replaceAll("VICTIM", victim),
      );
      h.config(`tasks:\n  lnk:\n    timeout_seconds: 300\n    kill_grace_seconds: 1\n`);
    },
    async (s) => {
      const start = await s.call("start_task", { task: "lnk" });
      assert.ok(!start.isError, JSON.stringify(start.structuredContent));
      const id = start.structuredContent.run_id as string;
      let events: Json[] = [];
      await until(
        async () => {
          events = (await s.call("get_events", { run_id: id })).structuredContent.events ?? [];
          return events.some((e: Json) => e.event_type === "linked");
        },
        30000,
        "the task to plant its link",
      );
      const linked = events.find((e: Json) => e.event_type === "linked");
      assert.equal(linked.event.code, 0, "positive control: the task did plant the symlink");
      // 30 s of grace (above kill_grace_seconds: 1): the harness must still be told it.
      const c = await s.call("cancel_run", { run_id: id, grace_seconds: 30 });
      assert.ok(!c.isError, JSON.stringify(c.structuredContent));
      assert.equal(c.structuredContent.status, "cancelled");
      const after = (await s.call("get_events", { run_id: id })).structuredContent.events;
      assert.ok(
        after.some((e: Json) => e.event_type === "cleaned"),
        "the cancel grace still reached the harness (its clean-up ran past kill_grace_seconds)",
      );
      const logs = (await s.call("get_logs", { run_id: id })).structuredContent.content;
      assert.match(
        logs,
        /direct write refused/,
        "positive control: the task itself cannot write it",
      );
      assert.equal(Deno.readTextFileSync(victim), "precious\n", "the link's target is untouched");
    },
  );
});
