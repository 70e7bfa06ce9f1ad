/**
 * `deno task install` on a machine whose only Deno is npx's (issue 12.19): run by a Deno that
 * lives under `.npm/_npx/…`, with no deno on PATH, into a temporary DENO_INSTALL_ROOT and a
 * fresh Deno dir. After npx's cache is deleted, the shim still works with a PATH of only
 * /usr/bin:/bin plus its own dir, and `docket mcp` answers a real MCP client while every
 * download would fail (proxies pointed at a closed port).
 * Needs the npm registry (the fresh Deno dir is filled from it, as on a new machine).
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { exists } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const NO_NET = {
  HTTPS_PROXY: "http://127.0.0.1:9",
  HTTP_PROXY: "http://127.0.0.1:9",
  https_proxy: "http://127.0.0.1:9",
  http_proxy: "http://127.0.0.1:9",
};

Deno.test("deno task install from npx's Deno leaves a docket on PATH that needs neither npx nor a download", async () => {
  const tmp = Deno.makeTempDirSync({ prefix: "docket-install-" });
  try {
    const npxDir = `${tmp}/home/.npm/_npx/0123abcd/node_modules/deno`;
    Deno.mkdirSync(npxDir, { recursive: true });
    const npxDeno = `${npxDir}/deno`;
    Deno.copyFileSync(Deno.realPathSync(Deno.execPath()), npxDeno);
    Deno.chmodSync(npxDeno, 0o755);
    const base: Record<string, string> = {
      ...Deno.env.toObject(),
      HOME: `${tmp}/home`,
      PATH: "/usr/bin:/bin",
    };
    delete base.DENO_DIR;
    const env = { ...base, DENO_INSTALL_ROOT: `${tmp}/root`, DENO_DIR: `${tmp}/denodir` };
    const inst = await new Deno.Command(npxDeno, {
      args: ["task", "install"],
      cwd: ROOT,
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(inst.stdout);
    assert.equal(inst.code, 0, out + new TextDecoder().decode(inst.stderr));
    const shim = `${tmp}/root/bin/docket`;
    assert.ok(exists(shim));
    assert.ok(
      out.includes(`export PATH="${tmp}/root/bin:$PATH"`),
      `the exact line to add:\n${out}`,
    );
    const text = Deno.readTextFileSync(shim);
    assert.ok(!text.includes("_npx"), `the shim names no Deno in npx's cache:\n${text}`);
    assert.match(text, new RegExp(`exec '${tmp}/root/lib/docket/deno-[0-9.]+' run`));

    Deno.removeSync(`${tmp}/home/.npm`, { recursive: true }); // npm clears its cache
    const runEnv = {
      ...base,
      ...NO_NET,
      PATH: `${tmp}/root/bin:/usr/bin:/bin`,
      DOCKET_HOME: `${tmp}/dh`,
      NO_COLOR: "1",
    };
    Deno.mkdirSync(`${tmp}/dh/tasks`, { recursive: true });
    Deno.writeTextFileSync(
      `${tmp}/dh/tasks/hello.ts`,
      `import { defineTask } from "file://${ROOT}/task.ts";\n` +
        `export default defineTask({ description: "d", run: () => ({ ok: true, summary: "hi" }) });\n`,
    );
    const sh = (args: string[]) =>
      new Deno.Command("sh", {
        args: ["-c", 'docket "$@"', "sh", ...args],
        env: runEnv,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const v = await sh(["--version"]);
    assert.equal(new TextDecoder().decode(v.stdout).trim().startsWith("docket "), true);
    const r = await sh(["--json", "run", "hello"]);
    const doc = JSON.parse(new TextDecoder().decode(r.stdout));
    assert.equal(doc.status, "succeeded", new TextDecoder().decode(r.stderr));

    const transport = new StdioClientTransport({
      command: shim,
      args: ["mcp"],
      env: runEnv,
      stderr: "pipe",
    });
    let stderr = "";
    transport.stderr?.on("data", (b: Uint8Array) => stderr += new TextDecoder().decode(b));
    const client = new Client({ name: "t", version: "0" });
    await client.connect(transport);
    try {
      const tools = (await client.listTools()).tools.map((t: { name: string }) => t.name);
      assert.ok(tools.includes("list_tasks"), tools.join(","));
      const list = await client.callTool({ name: "list_tasks", arguments: {} });
      assert.ok(JSON.stringify(list).includes("hello"));
    } finally {
      await client.close();
    }
    assert.ok(!/Download/.test(stderr), `nothing downloaded: ${stderr}`);
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});
