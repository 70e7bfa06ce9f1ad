import assert from "node:assert/strict";
import { h, hBlock } from "./html.ts";
import { outliers, percentile, taskStats } from "./stats.ts";
import { durationChart, sparkline } from "./svg.ts";
import { hostAllowed, parseBind } from "./security.ts";
import { tree } from "./page_run.ts";

Deno.test("h escapes markup, quotes and control characters; hBlock keeps newlines", () => {
  assert.equal(
    h(`<a href="x" onclick='y'>&`),
    "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;",
  );
  assert.equal(h("a\x1b]0;t\x07b\u202e"), "a\\x1b]0;t\\x07b\\u{202e}");
  assert.equal(hBlock("<b>\nx"), "&lt;b&gt;\nx");
  assert.ok(!tree({ "<k>": ["<v>"] }).includes("<k>"));
});

Deno.test("percentiles, success rate and outliers (> +20 % of the median)", () => {
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95), 10);
  assert.equal(percentile([], 50), null);
  assert.deepEqual([...outliers([100, 100, 119, 121, 100])], [3]);
  const s = taskStats([
    { run_id: "3", status: "running", started_at: "", duration_ms: null },
    { run_id: "2", status: "failed", started_at: "", duration_ms: 30 },
    { run_id: "1", status: "succeeded", started_at: "", duration_ms: 10 },
  ]);
  assert.equal(s.runs, 2);
  assert.equal(s.success_rate, 0.5);
  assert.deepEqual(s.durations_ms, [10, 30]);
  assert.equal((durationChart([100, 100, 200]).match(/class="bar outlier"/g) ?? []).length, 1);
  assert.match(sparkline([1, 2, 3]), /<polyline points="[\d., ]+"\/>/);
});

Deno.test("bind addresses are an allow-list; Host must name this server", () => {
  assert.throws(() => parseBind("example.com"));
  assert.throws(() => parseBind("127.0.0.1; rm"));
  assert.equal(parseBind("127.0.0.1").loopback, true);
  assert.equal(parseBind("0.0.0.0").loopback, false);
  assert.ok(hostAllowed("127.0.0.1:8737", "127.0.0.1", 8737));
  assert.ok(hostAllowed("localhost:8737", "127.0.0.1", 8737));
  assert.ok(!hostAllowed("localhost:8738", "127.0.0.1", 8737));
  assert.ok(!hostAllowed("attacker.example:8737", "127.0.0.1", 8737));
  assert.ok(!hostAllowed(null, "127.0.0.1", 8737));
  assert.ok(hostAllowed("192.168.1.5:8737", "0.0.0.0", 8737));
  assert.ok(!hostAllowed("rebind.example:8737", "0.0.0.0", 8737));
  assert.ok(!hostAllowed("192.168.1.5:8737", "10.0.0.1", 8737));
});
