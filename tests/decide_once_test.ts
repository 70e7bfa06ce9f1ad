/**
 * Decide once (issue 14.1): the grants the gate (MCP) or the CLI approved are the grants the
 * run gets. A drop-in with non-deterministic metadata, or a module or config edited between
 * admission and the runner's start, never runs with grants nobody approved.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { exists, type Home, until, withHome } from "./helpers.ts";
import { type Json, withServer } from "./mcp_helpers.ts";

/** A drop-in that writes `target` when it runs; destructive per `destructive` (source text). */
function writer(h: Home, name: string, target: string, destructive: string): string {
  return h.task(
    name,
    `{ destructive: ${destructive}, writes: [${JSON.stringify(target.replace(/\/[^/]+$/, ""))}],
       run: () => { Deno.writeTextFileSync(${JSON.stringify(target)}, "x");
         return { ok: true, summary: "wrote" }; } }`,
  );
}

Deno.test("mcp: a drop-in with non-deterministic metadata (destructive: Math.random() < 0.5) never writes without --allow-destructive", async () => {
  let outside = "";
  await withServer((h) => {
    outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    writer(h, "coin", `${outside}/written`, "Math.random() < 0.5");
  }, async (s, h) => {
    const kinds: string[] = [];
    for (let i = 0; i < 16; i++) {
      // Rewritten (same bytes) so its metadata is never cached: each read tosses the coin.
      writer(h, "coin", `${outside}/written`, "Math.random() < 0.5");
      const r = await s.call("run_task", { task: "coin", wait_seconds: 60 });
      const d = r.structuredContent;
      kinds.push(r.isError ? `refused:${d.error.kind}` : `${d.status}:${d.error?.kind}`);
      assert.equal(exists(`${outside}/written`), false, `run ${i} wrote outside: ${kinds}`);
    }
    // Every outcome is a refusal by the gate, a denied write, or the runner seeing a change.
    for (const k of kinds) {
      assert.match(k, /^(refused:permission_denied|failed:permission_denied|failed:task_changed)$/);
    }
  });
  Deno.removeSync(outside, { recursive: true });
});

Deno.test("mcp: a deterministic destructive writer does write with --allow-destructive (positive control)", async () => {
  let outside = "";
  await withServer((h) => {
    outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    writer(h, "wipe", `${outside}/written`, "true");
  }, async (s) => {
    const r = await s.call("run_task", { task: "wipe", wait_seconds: 60 });
    assert.equal(r.structuredContent.status, "succeeded", JSON.stringify(r.structuredContent));
    assert.equal(exists(`${outside}/written`), true);
  }, ["--allow-destructive"]);
  Deno.removeSync(outside, { recursive: true });
});

/**
 * `run --async` admits; while the test holds SQLite's write lock the runner cannot get past
 * recording itself (before it loads the task), so `edit` lands between admission and start.
 */
async function editBetween(h: Home, task: string, edit: () => void): Promise<Json> {
  const launcher = h.spawn(["--json", "run", task, "--async"]);
  let db: DatabaseSync | undefined;
  await until(
    () => {
      try {
        db ??= new DatabaseSync(h.stateDb);
        db.exec("PRAGMA busy_timeout = 5000");
        return db.prepare("SELECT run_id FROM runs").all().length > 0;
      } catch {
        return false;
      }
    },
    20000,
    "the run to be admitted",
  );
  db!.exec("BEGIN IMMEDIATE");
  try {
    edit();
  } finally {
    db!.exec("COMMIT");
    db!.close();
  }
  const out = await launcher.output();
  const receipt = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(receipt.status, "running", JSON.stringify(receipt));
  const done = await h.run(["--json", "wait", receipt.run_id, "--timeout", "60"]);
  return done.json;
}

Deno.test("run --async: a module edited after admission is refused by the runner (task_changed), nothing written", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    try {
      h.task("edit-me", `{ run: () => ({ ok: true, summary: "harmless" }) }`);
      const r = await editBetween(h, "edit-me", () => {
        writer(h, "edit-me", `${outside}/written`, "true");
      });
      assert.equal(r.status, "failed", JSON.stringify(r));
      assert.equal(r.error.kind, "task_changed");
      assert.match(r.error.message, /module .*edit-me\.ts" changed since the run was admitted/);
      assert.equal(exists(`${outside}/written`), false, "the edited module never ran");
      // Positive control: admitted as it is now, the same module runs and writes.
      const again = await h.run(["--json", "run", "edit-me"]);
      assert.equal(again.json.status, "succeeded", JSON.stringify(again.json));
      assert.equal(exists(`${outside}/written`), true);
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});

Deno.test("run --async: a config edited after admission (new grants) is refused by the runner, nothing written", async () => {
  await withHome(async (h) => {
    const outside = Deno.makeTempDirSync({ prefix: "docket-outside-" });
    try {
      writer(h, "cfg-edit", `${outside}/written`, "false");
      h.config(`tasks:\n  cfg-edit:\n    retry: 0\n`);
      const r = await editBetween(h, "cfg-edit", () => {
        h.config(`tasks:\n  cfg-edit:\n    destructive: true\n    writes: [${outside}]\n`);
      });
      assert.equal(r.status, "failed", JSON.stringify(r));
      assert.equal(r.error.kind, "task_changed");
      assert.match(r.error.message, /the config file changed/);
      assert.equal(exists(`${outside}/written`), false);
      const again = await h.run(["--json", "run", "cfg-edit"]);
      assert.equal(again.json.status, "succeeded", JSON.stringify(again.json));
      assert.equal(exists(`${outside}/written`), true);
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  });
});

/** The sandbox harness itself, fed like docket feeds it, with `sha` as the admitted hash. */
async function harness(module: string, dir: string, sha: string): Promise<string> {
  const api = new URL("../task.ts", import.meta.url).pathname;
  const apiImpl = new URL("../src/task_api.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${module},${api},${apiImpl}`,
      `--allow-write=${dir}`,
      "--no-config",
      new URL("../src/sandbox/harness.ts", import.meta.url).href,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(JSON.stringify({
    module: `file://${module}`,
    config: {},
    dryRun: false,
    runId: "20260101T000000000000Z-00000000",
    taskName: "t",
    attempt: 1,
    scratchDir: dir,
    nonce: "0123456789abcdef",
    moduleSha256: sha,
  })));
  await w.close();
  const out = await child.output();
  return new TextDecoder().decode(out.stdout);
}

Deno.test("harness: a module whose bytes are not the admitted ones is refused before any of its code runs", async () => {
  await withHome(async (h) => {
    const dir = Deno.makeTempDirSync({ prefix: "docket-scratch-" });
    try {
      const mod = h.task(
        "top",
        `{ run: () => ({ ok: true, summary: "ran" }) }`,
        `Deno.writeTextFileSync(${JSON.stringify(`${dir}/top-level-ran`)}, "x");`,
      );
      const bytes = Deno.readFileSync(mod);
      const digest = await crypto.subtle.digest("SHA-256", bytes);
      const sha = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const bad = await harness(mod, dir, "0".repeat(64));
      assert.match(bad, /"kind":"task_changed"/);
      assert.equal(exists(`${dir}/top-level-ran`), false, "no module code ran");
      // Positive control: with the admitted hash it is imported and runs.
      const good = await harness(mod, dir, sha);
      assert.match(good, /"summary":"ran"/);
      assert.equal(exists(`${dir}/top-level-ran`), true);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
});
