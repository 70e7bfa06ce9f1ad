/**
 * `docket run --audit`: Deno's permission audit of the sandboxed child, reported in the run's
 * details: what was touched, grants never used, and the minimal declaration.
 */
import assert from "node:assert/strict";
import { loopbackServer, withHome } from "./helpers.ts";

Deno.test("run --audit reports unused grants and the minimal declaration (foreground and async)", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const d = h.dir;
      for (const sub of ["data/sub", "unused", "out", "unusedout"]) {
        Deno.mkdirSync(`${d}/${sub}`, { recursive: true });
      }
      Deno.writeTextFileSync(`${d}/data/sub/a.txt`, "hello");
      h.task(
        "aud",
        `{
        description: "audited",
        network: ["127.0.0.1:${srv.port}", "example.com:443"],
        required_env: ["USED_VAR", "UNUSED_VAR"],
        reads: ["${d}/data", "${d}/unused"],
        destructive: true,
        writes: ["${d}/out", "${d}/unusedout"],
        sys: ["hostname", "osRelease"],
        async run(_c, ctx) {
          await (await fetch("http://127.0.0.1:${srv.port}/a")).text();
          const t = await Deno.readTextFile("${d}/data/sub/a.txt");
          await Deno.writeTextFile("${d}/out/x.txt", t);
          await Deno.writeTextFile(ctx.scratchDir + "/tmp.txt", t);
          Deno.env.get("USED_VAR");
          Deno.hostname();
          return { ok: true, summary: "audited" };
        },
      }`,
      );
      const env = { USED_VAR: "1", UNUSED_VAR: "2" };
      const want = {
        unused: {
          network: ["example.com:443"],
          required_env: ["UNUSED_VAR"],
          reads: [`${d}/unused`],
          writes: [`${d}/unusedout`],
          exec: [],
          sys: ["osRelease"],
        },
        minimal: {
          network: [`127.0.0.1:${srv.port}`],
          required_env: ["USED_VAR"],
          reads: [`${d}/data/sub/a.txt`],
          destructive: true,
          writes: [`${d}/out/x.txt`],
          exec: [],
          sys: ["hostname"],
        },
      };
      const r = await h.run(["--json", "run", "aud", "--audit"], { env });
      assert.equal(r.json.status, "succeeded", r.stdout);
      const a = r.json.details.audit;
      assert.deepEqual(a.unused, want.unused);
      assert.deepEqual(a.minimal, want.minimal);
      assert.deepEqual(a.denied, []);
      assert.ok(a.checks >= 6);
      assert.deepEqual(a.accessed.env, ["USED_VAR"]);
      const left = [...Deno.readDirSync(`${d}/logs`)].map((e) => e.name);
      assert.ok(left.every((n) => n.endsWith(".log")), `audit files removed: ${left}`);

      const plain = await h.run(["--json", "run", "aud"], { env });
      assert.equal(plain.json.status, "succeeded");
      assert.equal(plain.json.details.audit, undefined, "no audit without --audit");

      const receipt = await h.run(["--json", "run", "aud", "--audit", "--async"], { env });
      assert.equal(receipt.code, 0, receipt.stdout);
      const w = await h.run(["--json", "wait", receipt.json.run_id]);
      assert.equal(w.json.status, "succeeded", w.stdout);
      assert.deepEqual(w.json.details.audit.unused, want.unused);
      assert.deepEqual(w.json.details.audit.minimal, want.minimal);
      assert.deepEqual(srv.hits.length, 3);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("run --audit lists the access that was denied; command tasks cannot be audited", async () => {
  await withHome(async (h) => {
    Deno.writeTextFileSync(`${h.dir}/secret.txt`, "s");
    h.config(`tasks:\n  cmd:\n    command: ["echo", "hi"]\n`);
    h.task(
      "peek",
      `{ description: "d", async run() {
        return { ok: true, summary: await Deno.readTextFile("${h.dir}/secret.txt") }; } }`,
    );
    const r = await h.run(["--json", "run", "peek", "--audit"]);
    assert.equal(r.json.error.kind, "permission_denied");
    assert.deepEqual(r.json.details.audit.denied, [
      { permission: "read", value: `${h.dir}/secret.txt` },
    ]);
    assert.equal(r.json.details.audit.minimal.reads.length, 0);
    const c = await h.run(["--json", "run", "cmd", "--audit"]);
    assert.equal(c.code, 1);
    assert.equal(c.json.error.kind, "not_supported");
    const runs = await h.run(["--json", "runs"]);
    assert.equal(runs.json.runs.length, 1, "the refused audit started no run");
  });
});

Deno.test("run --audit counts a built-in's imports as reads (Deno does not log them)", async () => {
  await withHome(async (h) => {
    const r = await h.run(["--json", "run", "health-check", "--audit"]);
    const a = r.json.details.audit;
    assert.ok(a, r.stdout);
    assert.deepEqual(a.unused.reads, [], JSON.stringify(a));
    assert.ok(a.minimal.reads.some((p: string) => p.endsWith("/tasks/lib")), JSON.stringify(a));
  });
});
