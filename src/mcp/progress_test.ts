import assert from "node:assert/strict";
import { progressValue } from "./progress.ts";

Deno.test("progress increases with every event and every heartbeat; its integer part counts events", () => {
  const samples = [[0, 0], [0, 1000], [0, 2000], [1, 2100], [1, 3100], [2, 299_000], [3, 300_000]];
  const values = samples.map(([n, t]) => progressValue(n!, t!));
  for (let i = 1; i < values.length; i++) assert.ok(values[i]! > values[i - 1]!, String(i));
  samples.forEach(([n], i) => assert.equal(Math.floor(values[i]!), n));
});
