/**
 * Limits that overflow: a `keep_days` past what a Date can hold made `prune` fail with an
 * internal "Invalid time value" (config or --keep-days), and `events --limit 1e308` — an
 * integer to JS, not to SQLite — failed with a state_error as if the database were broken.
 */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const TASK = `tasks:\n  e:\n    type: command\n    command: /bin/true\n`;

Deno.test("prune: a keep_days beyond a Date's range keeps every run (config and --keep-days)", async () => {
  await withHome(async (h) => {
    h.config(TASK);
    for (let i = 0; i < 2; i++) assert.equal((await h.run(["--json", "run", "e"])).code, 0);
    const flag = await h.run(["--json", "prune", "--keep-days", "1000000000"]);
    assert.equal(flag.code, 0, flag.stdout);
    assert.equal(flag.json.counts.runs, 0);
    h.config(`history:\n  keep_days: 1e308\n${TASK}`);
    const cfg = await h.run(["--json", "prune"]);
    assert.equal(cfg.code, 0, cfg.stdout);
    assert.equal(cfg.json.counts.runs, 0);
    assert.equal((await h.run(["--json", "runs"])).json.runs.length, 2);
    // Positive control: the same prune with a count limit does delete.
    const one = await h.run(["--json", "prune", "--keep-runs", "1"]);
    assert.equal(one.json.counts.runs, 1, one.stdout);
  });
});

Deno.test("events/prune: an integer too large for SQLite is a usage error, not a broken database", async () => {
  await withHome(async (h) => {
    h.config(TASK);
    const id = (await h.run(["--json", "run", "e"])).json.run_id;
    for (const args of [["--limit", "1e308"], ["--from", "1e308"]]) {
      const r = await h.run(["--json", "events", id, ...args]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.json.error.kind, "usage", r.stdout);
      assert.match(r.json.error.message, new RegExp(`Invalid ${args[0]}`));
    }
    const p = await h.run(["--json", "prune", "--keep-runs", "1e300"]);
    assert.equal(p.json.error.kind, "usage", p.stdout);
    // Positive control: a sane limit reads the run's events.
    const ok = await h.run(["--json", "events", id, "--limit", "5"]);
    assert.equal(ok.code, 0, ok.stdout);
    assert.equal(ok.json.ok, true);
  });
});
