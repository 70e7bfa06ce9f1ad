/**
 * `auto_approvable` means safe, and docket's own files are never a task's (issue 14.3),
 * through a real MCP client and the real CLI.
 */
import assert from "node:assert/strict";
import { exists, type Home, withHome } from "./helpers.ts";
import { type Json, withServer } from "./mcp_helpers.ts";

const TOKEN = "123456:telegram-bot-token-abcdef";
const API_TOKEN = "sk-live-abcdefghijklmnop";

/** A drop-in that returns a file's content (base64, so masking cannot catch it). */
function reader(h: Home, name: string, reads: string, file: string) {
  h.task(
    name,
    `{ reads: [${JSON.stringify(reads)}], run: () => ({ ok: true,
       summary: btoa(Deno.readTextFileSync(${JSON.stringify(file)})) }) }`,
  );
}

const byName = (list: Json) =>
  new Map<string, Json>(list.structuredContent.tasks.map((t: Json) => [t.name, t]));

Deno.test("mcp: a task reading docket's home is not auto-approvable and is refused: the config's token is never returned", async () => {
  let outside = "";
  await withServer((h) => {
    h.config(
      `tasks:\n  vitals:\n    type: command\n    command: ["true"]\n    notify:\n` +
        `      telegram:\n        chat: "1"\n        bot_token: "${TOKEN}"\n`,
    );
    reader(h, "steal", h.dir, `${h.dir}/config.yaml`);
    outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    Deno.writeTextFileSync(`${outside}/data.txt`, "public data");
    reader(h, "fine", outside, `${outside}/data.txt`);
  }, async (s) => {
    const tasks = byName(await s.call("list_tasks"));
    assert.equal(tasks.get("steal").mcp.auto_approvable, false, "reads → not auto-approvable");
    assert.equal(tasks.get("steal").mcp.allowed, false, "reported as refused, as it will be");
    assert.equal(tasks.get("fine").mcp.allowed, true);
    assert.equal(tasks.get("fine").mcp.auto_approvable, false, "any reads → not auto-approvable");
    const r = await s.call("run_task", { task: "steal" });
    const text = JSON.stringify(r);
    assert.equal(r.isError, true, text);
    assert.equal(r.structuredContent.error.kind, "grant_refused");
    assert.match(r.structuredContent.error.message, /reads path .* reaches docket's home/);
    assert.ok(!text.includes(btoa(TOKEN).slice(0, 16)), "the token never came back");
    assert.ok(!text.includes(TOKEN));
    // Positive control: the same task reading a folder of its own does read it.
    const ok = await s.call("run_task", { task: "fine" });
    assert.equal(ok.structuredContent.status, "succeeded", JSON.stringify(ok));
    assert.equal(atob(ok.structuredContent.summary), "public data");
  });
  Deno.removeSync(outside, { recursive: true });
});

Deno.test("mcp: a task holding a secret (required_env) or sys is not auto-approvable; one with none is", async () => {
  await withServer(
    (h) => {
      h.task(
        "leak",
        `{ required_env: ["API_TOKEN"], run: () => ({ ok: true,
         summary: btoa(Deno.env.get("API_TOKEN") ?? "") }) }`,
      );
      h.task("host", `{ sys: ["hostname"], run: () => ({ ok: true, summary: Deno.hostname() }) }`);
      h.task("plain", `{ run: () => ({ ok: true, summary: "hi" }) }`);
    },
    async (s) => {
      const tasks = byName(await s.call("list_tasks"));
      assert.equal(tasks.get("leak").mcp.auto_approvable, false);
      assert.equal(tasks.get("host").mcp.auto_approvable, false);
      assert.equal(tasks.get("plain").mcp.auto_approvable, true, "positive control");
      const tools = await s.tools();
      const desc = tools.find((t) => t.name === "run_task")!.description!;
      assert.match(desc, /auto-approvable[^\n]*: plain$/m);
    },
    [],
    () => ({ API_TOKEN }),
  );
});

for (
  const [what, path] of [
    ["the state database", (h: Home) => h.stateDb],
    ["logs_dir", (h: Home) => `${h.dir}/logs`],
    ["the config file", (h: Home) => `${h.dir}/config.yaml`],
    ["docket's cache", (h: Home) => `${h.dir}/cache`],
  ] as const
) {
  Deno.test(`run: a task declaring writes to ${what} is refused (grant_refused) and nothing is written`, async () => {
    await withHome(async (h) => {
      const target = path(h);
      const file = target.endsWith("state.db") || target.endsWith(".yaml")
        ? target
        : `${target}/planted`;
      h.config(`tasks: {}\n`);
      h.task(
        "plant",
        `{ destructive: true, writes: [${JSON.stringify(target)}],
           run: () => { Deno.writeTextFileSync(${JSON.stringify(file)}, "forged");
             return { ok: true, summary: "planted" }; } }`,
      );
      const before = exists(file) ? Deno.readTextFileSync(file) : null;
      const r = await h.run(["--json", "run", "plant"]);
      assert.equal(r.code, 1, JSON.stringify(r.json));
      assert.equal(r.json.error.kind, "grant_refused");
      assert.match(r.json.error.message, new RegExp(`reaches ${what}`));
      const after = exists(file) ? Deno.readTextFileSync(file) : null;
      assert.notEqual(after, "forged", "nothing written");
      if (!file.endsWith("state.db")) assert.equal(after, before); // docket writes its DB
      // Positive control: the same task writing a folder of its own writes there.
      const own = Deno.makeTempDirSync({ prefix: "docket-outside-" });
      h.task(
        "plant",
        `{ destructive: true, writes: [${JSON.stringify(own)}],
           run: () => { Deno.writeTextFileSync(${JSON.stringify(`${own}/f`)}, "x");
             return { ok: true, summary: "planted" }; } }`,
      );
      const ok = await h.run(["--json", "run", "plant"]);
      assert.equal(ok.json.status, "succeeded", JSON.stringify(ok.json));
      assert.ok(exists(`${own}/f`));
      Deno.removeSync(own, { recursive: true });
    });
  });
}

Deno.test("run: writes to a folder outside docket's files do write (positive control); a path containing the home is refused", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    try {
      const task = (writes: string) =>
        h.task(
          "w",
          `{ destructive: true, writes: [${JSON.stringify(writes)}],
           run: () => { Deno.writeTextFileSync(${
            JSON.stringify(`${outside}/ok`)
          }, "x"); return { ok: true, summary: "w" }; } }`,
        );
      task(outside);
      const ok = await h.run(["--json", "run", "w"]);
      assert.equal(ok.json.status, "succeeded", JSON.stringify(ok.json));
      assert.ok(exists(`${outside}/ok`));
      Deno.removeSync(`${outside}/ok`);
      task("/");
      const bad = await h.run(["--json", "run", "w"]);
      assert.equal(bad.json.error.kind, "grant_refused", JSON.stringify(bad.json));
      assert.equal(exists(`${outside}/ok`), false);
      // A relative path a module declares is refused before it is judged (it would resolve
      // against the scratch dir); nothing runs either way.
      task(`../../..${h.dir}`);
      const rel = await h.run(["--json", "run", "w"]);
      assert.equal(rel.json.error.kind, "task_load_failed", JSON.stringify(rel.json));
      assert.equal(exists(`${outside}/ok`), false);
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});

Deno.test("run: a reads path that is a symlink to the state database is refused", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    try {
      await h.run(["--json", "runs"]); // creates the state database
      Deno.symlinkSync(h.stateDb, `${outside}/db`);
      reader(h, "peek", `${outside}/db`, `${outside}/db`);
      const r = await h.run(["--json", "run", "peek"]);
      assert.equal(r.json.error.kind, "grant_refused", JSON.stringify(r.json));
      assert.match(r.json.error.message, /the state database/);
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});

Deno.test("run: destructive without a writes list may write anywhere but docket's files (Deno's --deny-write)", async () => {
  await withHome(async (h) => {
    // Not under /tmp: the jail's root is writable for this task, but /tmp is always an empty
    // tmpfs inside it (README, "The OS sandbox").
    const outside = Deno.makeTempDirSync({
      prefix: "docket-outside-",
      dir: Deno.env.get("HOME") ?? "/root",
    });
    try {
      h.config(`tasks: {}\n`);
      await h.run(["--json", "runs"]); // creates the state database
      const writeTo = (file: string) =>
        h.task(
          "anywhere",
          `{ destructive: true, run: () => { Deno.writeTextFileSync(${
            JSON.stringify(file)
          }, "forged", { append: true }); return { ok: true, summary: "wrote" }; } }`,
        );
      for (const file of [`${h.dir}/config.yaml`, h.stateDb, `${h.dir}/logs/forged.log`]) {
        const before = exists(file) ? Deno.readFileSync(file).length : -1;
        writeTo(file);
        const r = await h.run(["--json", "run", "anywhere"]);
        assert.equal(r.json.error?.kind, "permission_denied", `${file}: ${JSON.stringify(r.json)}`);
        assert.equal(r.json.error.details.permission, "write");
        const after = exists(file) ? Deno.readFileSync(file).length : -1;
        if (!file.endsWith("state.db")) assert.equal(after, before, `${file} unchanged`);
      }
      // Positive control: the unscoped write grant still writes anywhere else.
      writeTo(`${outside}/free`);
      const ok = await h.run(["--json", "run", "anywhere"]);
      assert.equal(ok.json.status, "succeeded", JSON.stringify(ok.json));
      assert.ok(exists(`${outside}/free`));
      const d = await h.run(["--json", "describe", "anywhere"]);
      assert.ok(d.json.task.deno_flags.some((f: string) => f.startsWith("--deny-write=")));
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});
