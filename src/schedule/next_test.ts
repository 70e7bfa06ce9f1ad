import {
  deepStrictEqual as assertEquals,
  notDeepStrictEqual as assertNotEquals,
  ok as assert,
} from "node:assert/strict";
import { firesBetween, jitterOffset, lastFires, nextFire, policyOf, previousFire } from "./next.ts";
import { sharedTaskSchema } from "../config/schema.ts";
import { RESERVED_KEYS } from "../registry/module_contract.ts";

const at = (s: string) => new Date(s);

Deno.test("a 6-field schedule fires on its seconds; @-names mean cron's", () => {
  const p = policyOf("t", { schedule: "*/2 * * * * *" })!;
  assertEquals(nextFire(p, at("2026-01-01T00:00:00Z"))?.toISOString(), "2026-01-01T00:00:02.000Z");
  const w = policyOf("t", { schedule: "@weekly" })!;
  // cron's @weekly is Sunday 00:00 (2026-01-04 is a Sunday).
  assertEquals(nextFire(w, at("2026-01-01T00:00:00Z"))?.toISOString(), "2026-01-04T00:00:00.000Z");
  // Vixie OR of day-of-month and day-of-week.
  const or = policyOf("t", { schedule: "0 0 13 * 5" })!;
  assertEquals(
    firesBetween(or, at("2026-02-01T00:00:00Z"), at("2026-02-14T00:00:00Z"), 10).map((d) =>
      d.toISOString().slice(0, 10)
    ),
    ["2026-02-06", "2026-02-13"],
  );
});

Deno.test("timezone: fire times are the zone's wall clock, across DST", () => {
  const p = policyOf("t", { schedule: "0 3 * * *", timezone: "Europe/Berlin" })!;
  const fires = firesBetween(p, at("2026-03-27T12:00:00Z"), at("2026-03-30T12:00:00Z"), 5);
  assertEquals(fires.map((d) => d.toISOString()), [
    "2026-03-28T02:00:00.000Z", // CET
    "2026-03-29T01:00:00.000Z", // CEST from 02:00 that day
    "2026-03-30T01:00:00.000Z",
  ]);
});

Deno.test("jitter: a stable offset below N seconds, different per task name and host", () => {
  assertEquals(jitterOffset("backup", 600, "h1"), jitterOffset("backup", 600, "h1"));
  const offsets = new Set(["a", "b", "c", "d", "e"].map((n) => jitterOffset(n, 600, "h1")));
  assert(offsets.size > 1, "different names spread");
  assertNotEquals(jitterOffset("backup", 100000, "h1"), jitterOffset("backup", 100000, "h2"));
  for (const n of ["a", "b", "c"]) assert(jitterOffset(n, 7, "h") < 7);
  assertEquals(jitterOffset("a", 0), 0);
  const p = policyOf("backup", { schedule: "0 3 * * *", jitter: 600 })!;
  const f = nextFire(p, at("2026-01-01T00:00:00Z"))!;
  assertEquals(f.getTime() - at("2026-01-01T03:00:00Z").getTime(), p.offsetSeconds * 1000);
  assertEquals(previousFire(p, new Date(f.getTime() + 5000), 86400)?.getTime(), f.getTime());
});

Deno.test("lastFires is bounded: a 1-second schedule over a year costs `max` slots", () => {
  const p = policyOf("t", { schedule: "* * * * * *" })!;
  const t0 = performance.now();
  const got = lastFires(p, at("2025-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), 20);
  assertEquals(got.length, 20);
  assertEquals(got.at(-1)?.toISOString(), "2026-01-01T00:00:00.000Z");
  console.log(`lastFires(20) of a 1 s schedule: ${(performance.now() - t0).toFixed(1)} ms`);
});

Deno.test("the schedule keys are docket's own: reserved from modules, validated", () => {
  for (
    const k of [
      "schedule",
      "timezone",
      "jitter",
      "overlap",
      "catch_up",
      "catch_up_window",
      "deadline_seconds",
    ]
  ) {
    assert(RESERVED_KEYS.has(k), k);
  }
  const bad = sharedTaskSchema.safeParse({
    timezone: "Mars/Base",
    jitter: 1.5,
    overlap: "sometimes",
    catch_up: "some",
  });
  assert(!bad.success);
  assertEquals(bad.error!.issues.map((i) => i.path[0]).sort(), [
    "catch_up",
    "jitter",
    "overlap",
    "timezone",
  ]);
  assert(sharedTaskSchema.safeParse({ timezone: "America/New_York", overlap: "queue" }).success);
});
