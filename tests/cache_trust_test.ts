/**
 * What docket caches cannot change what runs: an edited config or metadata cache is ignored,
 * and every command (`docket mcp` included, on every call) keys the config by its content.
 */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { exists, type Home, MAIN, until, withHome } from "./helpers.ts";

/**
 * Rewrites a cache file the way an attacker who can write it (but not read docket's key)
 * would: the cached data edited in place, the rest (a key, a MAC) kept as it was.
 */
function tamper(file: string, edit: (data: any) => void): void {
  const record = JSON.parse(Deno.readTextFileSync(file));
  if (typeof record.body === "string") {
    const data = JSON.parse(record.body);
    edit(data);
    record.body = JSON.stringify(data);
  } else edit(record);
  Deno.writeTextFileSync(file, JSON.stringify(record));
}

Deno.test("an edited cache/config.json adds no hook: the config file decides", async () => {
  await withHome(async (h) => {
    const marker = `${h.dir}/hook-ran`;
    h.config(`tasks:\n  hello:\n    command: ["echo", "hi"]\n`);
    const first = await h.run(["--json", "run", "hello"]);
    assert.equal(first.json.status, "succeeded", first.stdout);
    tamper(`${h.dir}/cache/config.json`, (c) => {
      c.config.tasks.hello.on_success = `touch ${marker}`;
    });
    const r = await h.run(["--json", "run", "hello"]);
    assert.equal(r.json.status, "succeeded", r.stdout);
    assert.deepEqual(r.json.hooks, []);
    assert.ok(!exists(marker), "a hook planted in the cache ran");
    // planting a whole cache file (no MAC at all) is ignored too
    Deno.writeTextFileSync(`${h.dir}/cache/config.json`, JSON.stringify({ body: "{}", mac: "0" }));
    assert.equal((await h.run(["--json", "run", "hello"])).json.hooks.length, 0);
    // positive control: the same hook in the config file runs
    h.config(`tasks:\n  hello:\n    command: ["echo", "hi"]\n    on_success: "touch ${marker}"\n`);
    const ok = await h.run(["--json", "run", "hello"]);
    assert.equal(ok.json.hooks.length, 1, ok.stdout);
    assert.ok(exists(marker));
  });
});

Deno.test("an edited cache/meta.json grants nothing: the module's own declaration decides", async () => {
  await withHome(async (h) => {
    const out = `${h.dir}/out`;
    Deno.mkdirSync(out);
    const body = (destructive: string) =>
      `{ description: "q", ${destructive} async run() {
        await Deno.writeTextFile("${out}/x", "x"); return { ok: true, summary: "wrote" }; } }`;
    const path = h.task("quiet", body(""));
    // A file changed in the current second is not cached yet (ctime has whole seconds).
    const changed = Math.floor(Deno.statSync(path).ctime!.getTime() / 1000);
    await until(() => Math.floor(Date.now() / 1000) > changed, 3000, "the next second");
    const d = await h.run(["--json", "describe", "quiet"]);
    assert.equal(d.json.task.destructive, false);
    tamper(`${h.dir}/cache/meta.json`, (c) => {
      Object.assign(c[path].meta, { destructive: true, writes: [out], network: true });
    });
    const r = await h.run(["--json", "run", "quiet"]);
    assert.equal(r.json.status, "failed", r.stdout);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.ok(!exists(`${out}/x`), "grants planted in the metadata cache were used");
    assert.equal((await h.run(["--json", "describe", "quiet"])).json.task.network, false);
    // positive control: the module declaring the grant itself writes
    h.task("quiet", body(`destructive: true, writes: ["${out}"],`));
    const ok = await h.run(["--json", "run", "quiet"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.ok(exists(`${out}/x`));
  });
});

/** Rewrites the config with `text` of the same size, its mtime restored (cp -p, rsync -a). */
function sameSizeEdit(h: Home, text: string): void {
  const path = `${h.dir}/config.yaml`;
  const before = Deno.statSync(path);
  assert.equal(new TextEncoder().encode(text).length, before.size);
  Deno.writeTextFileSync(path, text);
  Deno.utimeSync(path, before.atime!, before.mtime!);
}

async function mcpClient(h: Home, extra: string[] = []): Promise<Client> {
  const denoDir = Deno.env.get("DENO_DIR");
  const client = new Client({ name: "docket-test", version: "0.0.0" });
  await client.connect(
    new StdioClientTransport({
      command: Deno.execPath(),
      args: ["run", "-A", MAIN, "mcp", ...extra],
      env: { ...h.env, ...(denoDir ? { DENO_DIR: denoDir } : {}) },
      stderr: "pipe",
    }),
  );
  return client;
}

Deno.test("mcp: a same-size config edit with the mtime restored is seen by the next call", async () => {
  for (const allow of [false, true]) {
    await withHome(async (h) => {
      const out = `${h.dir}/out`;
      Deno.mkdirSync(out);
      const cfg = (d: string) =>
        `tasks:\n  writer:\n    destructive: ${d}\n    writes: ["${out}"]\n`;
      h.config(cfg("false"));
      h.task(
        "writer",
        `{ description: "w", async run() {
          await Deno.writeTextFile("${out}/x", "x"); return { ok: true, summary: "wrote" }; } }`,
      );
      const client = await mcpClient(h, allow ? ["--allow-destructive"] : []);
      try {
        const call = async (name: string, args: Record<string, unknown> = {}) =>
          (await client.callTool({ name, arguments: args })).structuredContent as any;
        const before = await call("list_tasks");
        const w = before.tasks.find((t: any) => t.name === "writer");
        assert.equal(w.destructive, false);
        sameSizeEdit(h, cfg("true "));
        const after = await call("list_tasks");
        assert.equal(after.tasks.find((t: any) => t.name === "writer").destructive, true);
        const r = await call("run_task", { task: "writer" });
        if (allow) {
          // positive control: allowed, the edited config's grant is what the run gets
          assert.equal(r.status, "succeeded", JSON.stringify(r));
          assert.ok(exists(`${out}/x`));
        } else {
          assert.equal(r.error?.kind, "permission_denied", JSON.stringify(r));
          assert.match(r.error.message, /destructive/);
          assert.ok(!exists(`${out}/x`), "the gate approved what the runner ran differently");
        }
      } finally {
        await client.close();
      }
    });
  }
});
