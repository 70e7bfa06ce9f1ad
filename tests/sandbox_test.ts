/** The sandbox through the real CLI: declared permissions are enforced, with no effect leaking. */
import assert from "node:assert/strict";
import { exists, loopbackServer, withHome } from "./helpers.ts";

Deno.test("network: false task that fetches loopback is denied and the server sees no request", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      h.task(
        "sneaky",
        `{ description: "d", async run() { const r = await fetch("http://127.0.0.1:${srv.port}/steal"); return { ok: true, summary: await r.text() }; } }`,
      );
      const r = await h.run(["--json", "run", "sneaky"]);
      assert.equal(r.code, 1);
      assert.equal(r.json.status, "failed");
      assert.equal(r.json.error.kind, "permission_denied");
      assert.equal(r.json.error.details.permission, "net");
      assert.equal(r.json.error.details.target, `127.0.0.1:${srv.port}`);
      assert.deepEqual(srv.hits, []);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("network: [host:port] allows exactly that host", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      h.config(`tasks:\n  fetcher:\n    network: ["127.0.0.1:${srv.port}"]\n`);
      h.task(
        "fetcher",
        `{ description: "d", async run() { const r = await fetch("http://127.0.0.1:${srv.port}/ok"); return { ok: true, summary: await r.text() }; } }`,
      );
      const r = await h.run(["--json", "run", "fetcher"]);
      assert.equal(r.json.status, "succeeded", JSON.stringify(r.json.error));
      assert.equal(r.json.summary, "hi");
      assert.deepEqual(srv.hits, ["GET /ok"]);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("env: an undeclared variable is invisible to a TS task; a declared one is readable", async () => {
  await withHome(async (h) => {
    h.task(
      "peek",
      `{ description: "d", required_env: ["VISIBLE"], run() {
      let secret = "denied";
      try { secret = String(Deno.env.get("SECRET_TOKEN")); } catch (e) { secret = (e as Error).name; }
      return { ok: true, summary: "peeked", details: { visible: Deno.env.get("VISIBLE"), secret } };
    } }`,
    );
    const r = await h.run(["--json", "run", "peek"], {
      env: { SECRET_TOKEN: "s3cr3t", VISIBLE: "yes" },
    });
    assert.equal(r.json.status, "succeeded", JSON.stringify(r.json));
    assert.equal(r.json.details.visible, "yes");
    assert.equal(r.json.details.secret, "NotCapable");
    assert.ok(!r.stdout.includes("s3cr3t"));
  });
});

Deno.test("env: an undeclared variable is absent from a command task's environment", async () => {
  await withHome(async (h) => {
    h.config(
      `tasks:\n  envdump:\n    type: command\n    command: ["env"]\n    required_env: [VISIBLE]\n    env:\n      EXTRA: "1"\n`,
    );
    const r = await h.run(["--json", "run", "envdump"], {
      env: { SECRET_TOKEN: "s3cr3t", VISIBLE: "yes" },
    });
    assert.equal(r.json.status, "succeeded");
    const out: string = r.json.details.stdout;
    assert.ok(!out.includes("SECRET_TOKEN"), out);
    assert.ok(out.includes("VISIBLE=yes"));
    assert.ok(out.includes("EXTRA=1"));
    assert.ok(out.includes("DOCKET_RUN_ID="));
    const log = Deno.readTextFileSync(r.json.log_path);
    assert.ok(!log.includes("s3cr3t"));
  });
});

Deno.test("write: a non-destructive task cannot write outside its scratch dir", async () => {
  await withHome(async (h) => {
    const target = `${h.dir}/outside.txt`;
    h.task(
      "writer",
      `{ description: "d", async run(_c, ctx) {
      await Deno.writeTextFile(ctx.scratchDir + "/fine.txt", "ok");
      await Deno.writeTextFile(${JSON.stringify(target)}, "pwned");
      return { ok: true, summary: "wrote" };
    } }`,
    );
    const r = await h.run(["--json", "run", "writer"]);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.equal(r.json.error.details.permission, "write");
    assert.ok(!exists(target), "the file must not be written");
  });
});

Deno.test("write: destructive with writes: [path] may write there and nowhere else", async () => {
  await withHome(async (h) => {
    const allowed = `${h.dir}/allowed`;
    Deno.mkdirSync(allowed);
    h.config(`tasks:\n  writer:\n    destructive: true\n    writes: ["${allowed}"]\n`);
    h.task(
      "writer",
      `{ description: "d", async run() {
      await Deno.writeTextFile(${JSON.stringify(allowed + "/a.txt")}, "ok");
      await Deno.writeTextFile(${JSON.stringify(h.dir + "/b.txt")}, "no");
      return { ok: true, summary: "wrote" };
    } }`,
    );
    const r = await h.run(["--json", "run", "writer"]);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.ok(exists(`${allowed}/a.txt`));
    assert.ok(!exists(`${h.dir}/b.txt`));
  });
});

Deno.test("drop-in top-level code runs sandboxed during list: its write does not happen", async () => {
  await withHome(async (h) => {
    const target = `${h.dir}/toplevel.txt`;
    h.task(
      "evil",
      `{ description: "evil", run: () => ({ ok: true, summary: "x" }) }`,
      `try { Deno.writeTextFileSync(${JSON.stringify(target)}, "x"); } catch { /* denied */ }`,
    );
    h.task(
      "evil2",
      `{ description: "evil2", run: () => ({ ok: true, summary: "x" }) }`,
      `Deno.writeTextFileSync(${JSON.stringify(target)}, "x");`,
    );
    const r = await h.run(["--json", "list"]);
    assert.equal(r.code, 0);
    const evil = r.json.tasks.find((t: { name: string }) => t.name === "evil");
    assert.equal(evil.description, "evil");
    const evil2 = r.json.tasks.find((t: { name: string }) => t.name === "evil2");
    assert.match(evil2.load_error.message, /write access/);
    await h.run(["--json", "capabilities"]);
    await h.run(["--json", "describe", "evil"]);
    assert.ok(!exists(target), "top-level write must be denied");
  });
});

Deno.test("env permission denial names the variable", async () => {
  await withHome(async (h) => {
    h.task(
      "envy",
      `{ description: "d", run() { return { ok: true, summary: String(Deno.env.get("HOME")) }; } }`,
    );
    const r = await h.run(["--json", "run", "envy"]);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.equal(r.json.error.details.permission, "env");
    assert.equal(r.json.error.details.target, "HOME");
  });
});

Deno.test("web storage (localStorage, Cache API) and Workers are not available to tasks", async () => {
  await withHome(async (h) => {
    h.task(
      "stash",
      `{ description: "d", async run() {
        const g = globalThis as Record<string, unknown>;
        return { ok: true, summary: "looked", details: { ls: typeof g.localStorage, caches: typeof g.caches, worker: typeof g.Worker } };
      } }`,
    );
    const r = await h.run(["--json", "run", "stash"]);
    assert.equal(r.json.status, "succeeded", JSON.stringify(r.json));
    assert.deepEqual(r.json.details, { ls: "undefined", caches: "undefined", worker: "undefined" });
  });
});

Deno.test("a declared reads path too big to check for escaping symlinks is refused", async () => {
  await withHome(async (h) => {
    const big = `${h.dir}/big`;
    Deno.mkdirSync(big);
    const mk = await new Deno.Command("sh", {
      args: ["-c", `cd "${big}" && seq 1 10050 | xargs touch`],
    }).output();
    assert.ok(mk.success);
    h.config(`tasks:\n  reader:\n    reads: ["${big}"]\n`);
    h.task("reader", `{ description: "d", run: () => ({ ok: true, summary: "read" }) }`);
    const r = await h.run(["--json", "run", "reader"]);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.match(r.json.error.message, /too many to check/);
  });
});
