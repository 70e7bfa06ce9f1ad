import { deepStrictEqual as assertEquals, equal, ok, throws } from "node:assert/strict";
import { bakeJitter, concurrencyFor, cronProblem, nameHash, startingDeadline } from "./schedule.ts";

Deno.test("cronProblem accepts 5-field cron and refuses what a CronJob would not take", () => {
  equal(cronProblem("30 6 * * MON-FRI"), undefined);
  equal(cronProblem("*/15 * * * *"), undefined);
  ok(cronProblem("@daily"), "macros are expanded before they reach the CronJob");
  ok(cronProblem("0 0 * *"));
  ok(cronProblem("0 0 L * *"));
  ok(cronProblem("61 * * * *"));
  ok(cronProblem("CRON_TZ=UTC 0 0 * * *"));
});

Deno.test("jitter becomes a minute offset hashed from the task's name", () => {
  const off = nameHash("backup") % 10;
  assertEquals(bakeJitter("backup", "0 3 * * *", 600), {
    schedule: `${off} 3 * * *`,
    offsetMinutes: off,
  });
  equal(bakeJitter("backup", "@daily", 0).schedule, "0 0 * * *");
  equal(bakeJitter("x", "*/20 * * * *", 3600).schedule.split(" ")[0]!.split(",").length, 3);
  ok(bakeJitter("x", "0 3 * * *", 30).jitterNote?.includes("under a minute"));
  ok(bakeJitter("x", "0-10 3 * * *", 600).jitterNote?.includes("cannot be shifted"));
});

Deno.test("Sunday as 7 becomes 0, which the CronJob controller's parser accepts", () => {
  equal(bakeJitter("x", "0 3 * * 7", 0).schedule, "0 3 * * 0");
  equal(bakeJitter("x", "0 3 * * 5-7", 0).schedule, "0 3 * * 5-6,0");
  equal(bakeJitter("x", "0 3 * * 1,7", 0).schedule, "0 3 * * 1,0");
  equal(bakeJitter("x", "0 3 * * MON-FRI", 0).schedule, "0 3 * * MON-FRI");
});

Deno.test("startingDeadlineSeconds is the shortest gap between fires, within [60, 86400]", () => {
  equal(startingDeadline("*/15 * * * *", undefined), 900);
  equal(startingDeadline("* * * * *", undefined), 60);
  equal(startingDeadline("0 0 1 * *", undefined), 86400);
});

Deno.test("overlap maps to concurrencyPolicy; queue has no equivalent and says so", () => {
  equal(concurrencyFor(undefined).policy, "Forbid");
  equal(concurrencyFor("skip").policy, "Forbid");
  equal(concurrencyFor("replace").policy, "Replace");
  equal(concurrencyFor("allow").policy, "Allow");
  ok(concurrencyFor("queue").note?.includes("no CronJob equivalent"));
  throws(() => concurrencyFor("sometimes"));
});
