/**
 * Every duration is bounded to what timers can represent (issue 14.13): a value ≥ 2³¹ ms made
 * `setTimeout` fire after ~1 ms, so `hook_timeout_seconds: 3000000` killed the hook at once.
 */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";

const TOO_LONG = 3000000; // s: 3e9 ms ≥ 2³¹ ms

Deno.test("a duration past what timers represent is refused in the config, --set and CLI options", async () => {
  await withHome(async (h) => {
    const marker = `${h.dir}/hook-ran`;
    const cfg = (secs: number) =>
      `tasks:\n  hello:\n    command: ["true"]\n    hook_timeout_seconds: ${secs}\n` +
      `    on_success: "sleep 1 && touch ${marker}"\n`;
    h.config(cfg(TOO_LONG));
    const r = await h.run(["--json", "run", "hello"]);
    assert.equal(r.code, 1, r.stdout);
    assert.equal(r.json.error.kind, "config_invalid", r.stdout);
    assert.match(r.stdout, /hook_timeout_seconds.*at most 2147483 seconds/);
    assert.ok(!exists(marker));
    // Positive control: the largest accepted value waits for the hook as asked.
    h.config(cfg(2147483));
    const ok = await h.run(["--json", "run", "hello"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.equal(ok.json.hooks[0].ok, true, JSON.stringify(ok.json.hooks));
    assert.equal(ok.json.hooks[0].timed_out, false);
    assert.ok(exists(marker), "the hook ran to its end");

    for (
      const key of ["timeout_seconds", "backoff_max", "idle_timeout_seconds"]
    ) {
      const s = await h.run(["--json", "run", "hello", "--set", `${key}=${TOO_LONG}`]);
      assert.equal(s.code, 1, `${key}: ${s.stdout}`);
      assert.equal(s.json.error.kind, "usage", `${key}: ${s.stdout}`);
      assert.match(s.json.error.message, /at most 2147483 seconds/, key);
    }
    const fine = await h.run(["--json", "run", "hello", "--set", "timeout_seconds=2147483"]);
    assert.equal(fine.json.status, "succeeded", fine.stdout);

    const w = await h.run(["--json", "wait", ok.json.run_id, "--timeout", String(TOO_LONG)]);
    assert.equal(w.code, 1);
    assert.equal(w.json.error.kind, "usage", w.stdout);
    assert.match(w.json.error.message, /--timeout.*0 to 2147483/);
    const wOk = await h.run(["--json", "wait", ok.json.run_id, "--timeout", "2147483"]);
    assert.equal(wOk.code, 0, wOk.stdout);
    const c = await h.run(["--json", "cancel", ok.json.run_id, "--grace", String(TOO_LONG)]);
    assert.equal(c.code, 1);
    assert.equal(c.json.error.kind, "usage", c.stdout);
    assert.match(c.json.error.message, /--grace.*0 to 2147483/);
  });
});
