/** `docket explain` through the real CLI, and `run --denied-exit-code` for podFailurePolicy. */
import assert from "node:assert/strict";
import { DOCKET_MEMORY_MB } from "../src/systemd/hardening.ts";
import { loopbackServer, withHome } from "./helpers.ts";

/** permissions.enforced_by key → explain row, as src/explain/local.ts maps them. */
const ROWS: Record<string, string> = {
  network: "network",
  read: "reads",
  write: "writes",
  env: "env",
  processes: "processes",
};

Deno.test("explain --target local agrees with capabilities for every task", async () => {
  await withHome(async (h) => {
    h.task("plain", `{ description: "d", run: () => ({ ok: true, summary: "" }) }`);
    h.task(
      "runner",
      `{ description: "d", exec: ["rsync"], network: ["10.0.0.5:22"], run: () => ({ ok: true, summary: "" }) }`,
    );
    // runner: the unjailed gap (its network list is advisory for rsync); cmd and the
    // built-ins keep the OS layer, compared in the loop like every task.
    h.config(
      `tasks:\n  cmd:\n    type: command\n    command: "true"\n    network: false\n` +
        `  runner:\n    sandbox: { os: off }\n`,
    );
    const caps = await h.run(["--json", "capabilities"]);
    assert.equal(caps.code, 0);
    let compared = 0;
    for (const t of caps.json.tasks) {
      const r = await h.run(["--json", "explain", t.name]);
      assert.equal(r.code, 0, r.stdout);
      assert.equal(r.json.target, "local");
      // The contract's key sets, pinned.
      assert.deepEqual(Object.keys(r.json).sort(), [
        "notes",
        "ok",
        "rows",
        "source",
        "target",
        "task",
      ]);
      for (const row of r.json.rows) {
        assert.deepEqual(Object.keys(row).sort(), [
          "declaration",
          "declared",
          "enforced_by",
          "mechanisms",
          "not_enforced",
        ]);
      }
      for (const [key, value] of Object.entries(t.permissions.enforced_by)) {
        const row = r.json.rows.find((x: { declaration: string }) => x.declaration === ROWS[key]);
        assert.ok(row, `${t.name}: no row for enforced_by.${key}`);
        assert.deepEqual(
          row.enforced_by,
          Array.isArray(value) ? value : [value],
          `${t.name}.${key}`,
        );
        compared++;
      }
      assert.deepEqual(r.json.notes, t.permissions.notes);
    }
    assert.ok(compared >= 4 * 6, `compared ${compared} layers`);
    const runner = await h.run(["--json", "explain", "runner"]);
    const net = runner.json.rows.find((x: { declaration: string }) => x.declaration === "network");
    assert.deepEqual(net.enforced_by, ["advisory"]);
    assert.ok(net.not_enforced.some((g: string) => g.includes("rsync")));
    assert.ok(
      (await h.run(["--json", "capabilities"])).json.explain.command.includes(
        "docket --json explain",
      ),
    );
  });
});

Deno.test("explain --target systemd and kubernetes name their directives, objects and gaps", async () => {
  await withHome(async (h) => {
    h.task(
      "api",
      `{ description: "d", network: ["api.example.com:443"], max_memory_mb: 64, run: () => ({ ok: true, summary: "" }) }`,
    );
    h.config(`tasks:\n  api: { schedule: "0 3 * * *", timeout_seconds: 30 }\n`);
    const row = (r: { json: any }, d: string) =>
      r.json.rows.find((x: { declaration: string }) => x.declaration === d);
    const sd = await h.run(["--json", "explain", "api", "--target", "systemd"]);
    assert.equal(sd.code, 0, sd.stdout);
    // The unit's cap is the heap plus docket's own headroom (src/systemd/hardening.ts).
    assert.ok(row(sd, "memory").mechanisms.includes(`MemoryMax=${64 + DOCKET_MEMORY_MB}M`));
    assert.ok(row(sd, "timeout").enforced_by.includes("systemd"));
    assert.ok(row(sd, "timeout").mechanisms.some((m: string) => m.startsWith("TimeoutStartSec=")));
    const k8s = await h.run(["--json", "explain", "api", "--target", "kubernetes"]);
    assert.equal(k8s.code, 0, k8s.stdout);
    const net = row(k8s, "network");
    assert.deepEqual(net.enforced_by, ["deno", "kubernetes"]);
    assert.ok(net.not_enforced.some((g: string) => g.includes("api.example.com:443")));
    assert.ok(row(k8s, "memory").mechanisms.some((m: string) => m.includes("320Mi")));
    assert.ok(row(k8s, "state").not_enforced[0].includes("PostgreSQL"));
    const cil = await h.run(["--json", "explain", "api", "--target", "kubernetes", "--cilium"]);
    assert.ok(!row(cil, "network").not_enforced.some((g: string) => g.includes("(use --cilium)")));
    const human = await h.run(["explain", "api", "--target", "kubernetes"]);
    assert.match(human.stdout, /^DECLARATION\s+DECLARED\s+ENFORCED BY\s+HOW$/m);
    assert.match(human.stdout, /Does not hold here:/);
  });
});

Deno.test("explain refuses a bad target or task with a kind", async () => {
  await withHome(async (h) => {
    for (
      const [args, kind] of [
        [["explain", "health-check", "--target", "nomad"], "usage"],
        [["explain", "health-check", "--cilium"], "usage"],
        [["explain", "nope"], "task_not_found"],
        [["explain"], "usage"],
      ] as const
    ) {
      const r = await h.run(["--json", ...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.json.error.kind, kind, args.join(" "));
    }
  });
});

Deno.test("run --denied-exit-code exits with that code on permission_denied only", async () => {
  await withHome(async (h) => {
    const server = loopbackServer();
    try {
      h.task(
        "sneaky",
        `{ description: "d", run: async () => { await fetch("http://127.0.0.1:${server.port}/x"); return { ok: true, summary: "" }; } }`,
      );
      h.task("fine", `{ description: "d", run: () => ({ ok: true, summary: "fine" }) }`);
      h.task("broken", `{ description: "d", run: () => ({ ok: false, summary: "no" }) }`);
      const denied = await h.run(["--json", "run", "--denied-exit-code", "77", "sneaky"]);
      assert.equal(denied.code, 77);
      assert.equal(denied.json.error.kind, "permission_denied");
      assert.deepEqual(server.hits, [], "the server saw no request");
      // Without the flag the README's exit codes hold.
      assert.equal((await h.run(["--json", "run", "sneaky"])).code, 1);
      assert.equal((await h.run(["--json", "run", "--denied-exit-code", "77", "broken"])).code, 1);
      assert.equal((await h.run(["--json", "run", "--denied-exit-code", "77", "fine"])).code, 0);
      for (const bad of ["1", "2", "126", "x"]) {
        const r = await h.run(["--json", "run", "--denied-exit-code", bad, "fine"]);
        assert.equal(r.json.error.kind, "usage", bad);
      }
      const a = await h.run(["--json", "run", "--async", "--denied-exit-code", "77", "fine"]);
      assert.equal(a.json.error.kind, "usage");
    } finally {
      await server.close();
    }
  });
});
