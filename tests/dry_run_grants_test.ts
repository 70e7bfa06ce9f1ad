/** Dry runs are enforced: no write grant outside scratch, whatever the task declares. */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { exists, type Home, MAIN, withHome } from "./helpers.ts";

/** A destructive task whose dryRun() writes where only its real run may. */
function destructive(h: Home, out: string): void {
  h.config(`tasks:\n  wipe:\n    destructive: true\n    writes: ["${out}"]\n`);
  h.task(
    "wipe",
    `{ description: "w",
      async run() { await Deno.writeTextFile("${out}/real.txt", "x"); return { ok: true, summary: "real" }; },
      async dryRun(_c: unknown, ctx: any) {
        await Deno.writeTextFile(ctx.scratchDir + "/plan.txt", "scratch is fine");
        await Deno.writeTextFile("${out}/dry.txt", "x");
        return { ok: true, summary: "dry" };
      } }`,
  );
}

Deno.test("run --dry-run: a destructive task's dryRun() cannot write its writes paths", async () => {
  await withHome(async (h) => {
    const out = `${h.dir}/out`;
    Deno.mkdirSync(out);
    destructive(h, out);
    for (const extra of [[], ["--async"]]) {
      const r = await h.run(["--json", "run", "wipe", "--dry-run", ...extra]);
      const row = extra.length
        ? (await h.run(["--json", "wait", r.json.run_id, "--timeout", "60"])).json
        : r.json;
      assert.equal(row.status, "failed", JSON.stringify(row));
      assert.equal(row.error.kind, "permission_denied", JSON.stringify(row.error));
      assert.equal(row.error.details.permission, "write");
      assert.ok(!exists(`${out}/dry.txt`), `dry run wrote outside scratch (${extra})`);
    }
    // positive control: the real run has the declared grant and writes
    const real = await h.run(["--json", "run", "wipe"]);
    assert.equal(real.json.status, "succeeded", real.stdout);
    assert.ok(exists(`${out}/real.txt`));
    // what is reported for a dry run says so
    const d = await h.run(["--json", "describe", "wipe", "--dry-run"]);
    assert.deepEqual(d.json.task.permissions.write, ["<scratch>"]);
    assert.ok(d.json.task.deno_flags.includes("--allow-write=<scratch>"));
    assert.ok(d.json.task.permissions.notes.some((n: string) => n.startsWith("dry run: no write")));
    const full = await h.run(["--json", "describe", "wipe"]);
    assert.deepEqual(full.json.task.permissions.write, ["<scratch>", out]);
  });
});

Deno.test("mcp run_task dry_run: true cannot write the task's writes paths", async () => {
  await withHome(async (h) => {
    const out = `${h.dir}/out`;
    Deno.mkdirSync(out);
    destructive(h, out);
    const denoDir = Deno.env.get("DENO_DIR");
    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", MAIN, "mcp", "--allow-destructive"],
      env: { ...h.env, ...(denoDir ? { DENO_DIR: denoDir } : {}) },
      stderr: "pipe",
    });
    const client = new Client({ name: "docket-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      const call = async (args: Record<string, unknown>) =>
        // deno-lint-ignore no-explicit-any
        (await client.callTool({ name: "run_task", arguments: args })).structuredContent as any;
      const dry = await call({ task: "wipe", dry_run: true });
      assert.equal(dry.status, "failed", JSON.stringify(dry));
      assert.equal(dry.error.kind, "permission_denied");
      assert.ok(!exists(`${out}/dry.txt`), "MCP dry run wrote outside scratch");
      // positive control: the same server's real run writes
      const real = await call({ task: "wipe" });
      assert.equal(real.status, "succeeded", JSON.stringify(real));
      assert.ok(exists(`${out}/real.txt`));
    } finally {
      await client.close();
    }
  });
});
