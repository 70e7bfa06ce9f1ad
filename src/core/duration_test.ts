import assert from "node:assert/strict";
import { longTimeout, MAX_DURATION_SECONDS, MAX_TIMER_MS } from "./duration.ts";

Deno.test("setTimeout itself fires at once past 2³¹ ms: the reason for longTimeout", async () => {
  let fired = false;
  // deno-lint-ignore no-explicit-any
  const t = setTimeout(() => fired = true, 3e9 as any);
  await new Promise((r) => setTimeout(r, 50));
  clearTimeout(t);
  assert.equal(fired, true);
});

Deno.test("longTimeout waits past 2³¹ ms instead of firing at once, and can be cleared", async () => {
  let fired = false;
  const clear = longTimeout(() => fired = true, 3e9);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(fired, false);
  clear();
  let soon = false;
  const c2 = longTimeout(() => soon = true, 10);
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(soon, true, "positive control: a short wait fires");
  c2();
  assert.equal(MAX_DURATION_SECONDS * 1000 <= MAX_TIMER_MS, true);
});
