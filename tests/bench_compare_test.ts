/** The bench's regression flag and its per-round ratios (bench/compare.ts, bench/report.ts). */
import assert from "node:assert/strict";
import { committedRatios, flagRegressions } from "../bench/compare.ts";
import { latencyRows, table } from "../bench/report.ts";

Deno.test("bench flags a figure worse than the committed results by more than 0.15 × B", () => {
  const dir = Deno.makeTempDirSync();
  try {
    const path = `${dir}/results.json`;
    Deno.writeTextFileSync(
      path,
      JSON.stringify({
        baselines: { B: { samples_ms: [10, 20, 10] } },
        samples_ms: { B: [10, 20, 10], status: [13, 26, 13], caps_first: [500], run_ts: [30] },
        sample_rounds: { caps_first: [1] },
      }),
    );
    const was = committedRatios(path);
    assert.deepEqual(was, { status: 1.3, caps_first: 25, run_ts: 3 });
    const b = [10, 10, 10];
    const rows = latencyRows(
      [
        { id: "1", key: "status", figure: "status", samples_ms: [15, 15, 15] }, // 1.5: +0.2
        { id: "2", key: "run_ts", figure: "run", samples_ms: [31, 31, 31] }, // 3.1: +0.1
        { id: "3", key: "new", figure: "new", samples_ms: [90, 90, 90] }, // not committed
      ],
      b,
      b,
    );
    const worse = flagRegressions(rows, was);
    assert.deepEqual(worse.map((r) => r.key), ["status"]);
    assert.equal(rows[1]!.regressed, false, "within 0.15 × B is not flagged");
    assert.equal(rows[2]!.committed_x_b, undefined);
    assert.deepEqual(committedRatios(`${dir}/missing.json`), {});
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("a sparse bench figure is divided by the baseline of its own round", () => {
  const [row] = latencyRows(
    [{ id: "3", key: "caps_first", figure: "cold", samples_ms: [100, 300], rounds: [0, 2] }],
    [10, 1000, 30],
    [1, 1, 1],
  );
  assert.equal(row!.x_b, 10); // 100/10 and 300/30, not 300/1000
});

Deno.test("the bench table prints its throughput rows beside the compared latency rows", () => {
  const rows = latencyRows(
    [{ id: "1", key: "status", figure: "status", samples_ms: [15], target_x_b: 1.3 }],
    [10],
    [10],
  );
  flagRegressions(rows, { status: 1.2 });
  const ev = {
    repetitions: 1,
    events_expected: 10,
    events_recorded: [10],
    wall_ms: [1],
    events_per_s_median: 300_000,
    peak_rss_mb: [50],
    peak_rss_mb_max: 50,
    rss_method: "",
  };
  const cc = {
    runs: 1,
    wall_ms: 1,
    receipt_ms_median: 1,
    receipt_ms_max: 1,
    statuses: {},
    lost: 0,
    database_locked: 0,
    available: true,
  };
  const m = {
    nproc: 2,
    cpu: "x",
    deno: "d",
    python: "p",
    kernel: "k",
    date: "now",
    loadavg: "1 1 1",
  };
  const text = table(m, { b: 10, p: 10 }, rows, ev, cc);
  assert.match(text, /status\s+15 ms\s+1\.50\s+1\.50\s+≤ 1\.3 × B\s+NO\s+1\.20 WORSE/);
  assert.match(text, /300,000 ev\/s/);
});
