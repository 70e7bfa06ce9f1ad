/**
 * Text survives intact (issue 14.14): a summary holding a NUL byte was read back from SQLite
 * as the part before it, so the CLI, MCP and hooks all saw "A" for "A\0B…".
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { fileWritten, MAIN, withHome } from "./helpers.ts";

const SUMMARY = "A\u0000B after the NUL";

Deno.test("a summary with a NUL byte is returned whole by the CLI and MCP, and escaped for hooks", async () => {
  await withHome(async (h) => {
    h.task(
      "nul",
      `{ description: "NUL in text", run: () => ({ ok: true, summary: ${
        JSON.stringify(SUMMARY)
      }, details: { s: ${JSON.stringify(SUMMARY)} } }) }`,
    );
    const hookOut = `${h.dir}/hook.txt`;
    h.config(
      `tasks:\n  nul:\n    on_success: "printf '%s|%s' \\"$DOCKET_SUMMARY\\" \\"$DOCKET_DETAILS_JSON\\" > ${hookOut}"\n`,
    );
    const r = await h.run(["--json", "run", "nul"]);
    assert.equal(r.json.status, "succeeded", r.stdout);
    assert.equal(r.json.summary, SUMMARY, "run returns the whole summary");
    assert.equal(r.json.details.s, SUMMARY, "details keep it too (positive control)");
    const id = r.json.run_id;
    const st = await h.run(["--json", "status", "--run-id", id]);
    assert.equal(st.json.run.summary, SUMMARY);
    const last = await h.run(["--json", "status", "nul"]);
    assert.equal(last.json.last_run.summary, SUMMARY);
    const runs = await h.run(["--json", "runs"]);
    assert.equal(runs.json.runs[0].summary, SUMMARY);
    // Hooks: an environment value cannot hold NUL; it is written \u0000, as in the JSON.
    const hook = await fileWritten(hookOut);
    assert.equal(hook, `A\\u0000B after the NUL|{"s":"A\\u0000B after the NUL"}`);

    const transport = new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", MAIN, "mcp"],
      env: {
        ...h.env,
        ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      },
      stderr: "pipe",
    });
    const client = new Client({ name: "docket-test", version: "0.0.0" });
    await client.connect(transport);
    try {
      // deno-lint-ignore no-explicit-any
      const got: any = await client.callTool({ name: "get_run", arguments: { run_id: id } });
      assert.equal(got.isError, undefined, JSON.stringify(got));
      assert.equal(got.structuredContent.summary, SUMMARY);
    } finally {
      await client.close();
    }
  });
});
