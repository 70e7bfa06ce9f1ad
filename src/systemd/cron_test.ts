import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DocketError } from "../core/errors.ts";
import { cronToOnCalendar, validateSchedule } from "./cron.ts";

function thrown(fn: () => unknown): DocketError {
  try {
    fn();
  } catch (err) {
    ok(err instanceof DocketError, `expected a DocketError, got ${err}`);
    return err;
  }
  throw new Error("expected an error, nothing was thrown");
}

Deno.test("cronToOnCalendar converts representative schedules to what systemd 252 accepts", () => {
  const cases: [string, string[]][] = [
    ["* * * * *", ["*-*-* *:*:00"]],
    ["0 2 * * *", ["*-*-* 02:00:00"]],
    ["30 9 * * 1-5", ["Mon..Fri *-*-* 09:30:00"]],
    // systemd rejects `*/n`; cron's `*/n` starts at the field's minimum.
    ["*/15 * * * *", ["*-*-* *:00/15:00"]],
    ["0 */6 */2 */3 *", ["*-01/3-01/2 00/6:00:00"]],
    ["1-30/5 9-17 * * *", ["*-*-* 09..17:01..30/5:00"]],
    ["5/10 * * * *", ["*-*-* *:05/10:00"]],
    // systemd refuses a step that yields one value (`10/50`), so that becomes the value.
    ["10-20/50 * * * *", ["*-*-* *:10:00"]],
    ["50/10 * * * *", ["*-*-* *:50:00"]],
    ["0 0 1 JAN-MAR/2 *", ["*-01..03/2-01 00:00:00"]],
    ["0 0 * dec *", ["*-12-* 00:00:00"]],
    ["0 0 * * 7", ["Sun *-*-* 00:00:00"]],
    ["0 0 * * 0,7", ["Sun *-*-* 00:00:00"]],
    ["0 0 * * 5-7", ["Fri..Sun *-*-* 00:00:00"]],
    // A cron range through Sunday would wrap in systemd's Monday-first week: list it instead.
    ["0 0 * * 0-2", ["Mon,Tue,Sun *-*-* 00:00:00"]],
    ["0 0 * * */2", ["Tue,Thu,Sat,Sun *-*-* 00:00:00"]],
    ["0 0 * * 1-7/2", ["Mon,Wed,Fri,Sun *-*-* 00:00:00"]],
    ["0 12 * * mon,WED-fri", ["Mon,Wed..Fri *-*-* 12:00:00"]],
    ["0 0 * * 0-7", ["*-*-* 00:00:00"]],
    // cron ORs day-of-month and day-of-week when both are restricted: two lines, a union.
    ["30 4 1,15 * 5", ["Fri *-*-* 04:30:00", "*-*-01,15 04:30:00"]],
    ["0 0 1-7 6 MON", ["Mon *-06-* 00:00:00", "*-06-01..07 00:00:00"]],
    ["0 0 1 * 0-6", ["*-*-* 00:00:00"]],
    ["0 0 31 2 mon", ["Mon *-02-* 00:00:00"]],
    // A day field starting with `*` is not "restricted" (Vixie cron): the fields AND.
    ["0 0 */2 * 1", ["Mon *-*-01/2 00:00:00"]],
    ["@hourly", ["hourly"]],
    ["@daily", ["daily"]],
    ["@midnight", ["daily"]],
    ["@weekly", ["Sun *-*-* 00:00:00"]],
    ["@monthly", ["monthly"]],
    ["@yearly", ["yearly"]],
    ["@annually", ["yearly"]],
    ["  0   3 * * *  ", ["*-*-* 03:00:00"]],
  ];
  for (const [cron, expected] of cases) assertEquals(cronToOnCalendar(cron), expected, cron);
});

Deno.test("cronToOnCalendar rejects what it cannot express, saying what failed first", () => {
  const cases: [string, string][] = [
    ["61 * * * *", "minute 61 is out of range 0-59"],
    ["0 24 * * *", "hour 24 is out of range 0-23"],
    ["0 0 0 * *", "day-of-month 0 is out of range 1-31"],
    ["0 0 * 13 *", "month 13 is out of range 1-12"],
    ["0 0 * * 8", "day-of-week 8 is out of range 0-7"],
    ["0 0 * * FOO", 'day-of-week value "FOO" is not a number or a day name (SUN-SAT)'],
    ["0 0 * JANUARY *", 'month value "JANUARY" is not a number or a month name (JAN-DEC)'],
    ["0 0 L * *", 'day-of-month value "L" is not a number'],
    ["0 0 * * 5#2", 'day-of-week value "5#2" is not a number or a day name (SUN-SAT)'],
    ["0 22-2 * * *", "hour range 22-2 is reversed"],
    ["0 0 * * FRI-MON", "day-of-week range FRI-MON is reversed"],
    ["*/0 * * * *", "minute step 0 is out of range 1-59"],
    ["*/60 * * * *", "minute step 60 is out of range 1-59"],
    ["*/x * * * *", 'minute step "x" is not a number'],
    ["1,,2 * * * *", 'minute list "1,,2" has an empty item'],
    ["1-2-3 * * * *", 'minute range "1-2-3" is malformed'],
    ["0 0 * * 5/2", 'day-of-week step "5/2" needs a range before the step'],
    ["0 0 31 2 *", 'day-of-month "31" never occurs in month "2"'],
    ["0 0 31 4,6 *", 'day-of-month "31" never occurs in month "4,6"'],
    ["* * * * * * *", `${FIVE_OR_SIX}, got 7`],
    ["", `${FIVE_OR_SIX}, got 0`],
    ["60 * * * * *", "second 60 is out of range 0-59"],
    ["@reboot", '"@reboot" has no calendar form'],
    ["@hourl", 'unknown macro "@hourl"'],
  ];
  for (const [cron, why] of cases) {
    const err = thrown(() => cronToOnCalendar(cron));
    assertEquals(err.kind, "config_invalid");
    assertEquals(err.message, `Cannot convert schedule "${cron}": ${why}`);
    assertEquals(err.details, { schedule: cron });
  }
});

Deno.test("errors carry a hint saying what to do", () => {
  const hint = (cron: string) => thrown(() => cronToOnCalendar(cron)).hint ?? "";
  assertEquals(hint("0 22-2 * * *"), "Cron ranges do not wrap: write 22-23,0-2 instead");
  assertEquals(hint("0 0 * * FRI-MON"), "Cron ranges do not wrap: write FRI-7,0-MON instead");
  assertEquals(hint("@hourl"), 'Did you mean "@hourly"?');
  assertEquals(hint("@reboot").includes("OnBootSec="), true);
  assertEquals(hint("0 0 L * *"), "Cron extensions such as L, W, # and ? are not supported");
  assertEquals(hint("0 0 0 * * * 2030"), "Years are not supported: remove the extra field");
});

const FIVE_OR_SIX =
  "expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading seconds";

Deno.test("a leading seconds field becomes the seconds of OnCalendar", () => {
  assertEquals(cronToOnCalendar("*/2 * * * * *"), ["*-*-* *:*:00/2"]);
  assertEquals(cronToOnCalendar("30 0 3 * * *"), ["*-*-* 03:00:30"]);
  assertEquals(cronToOnCalendar("5,10 */15 * * * MON"), ["Mon *-*-* *:00/15:05,10"]);
});

Deno.test("validateSchedule accepts convertible schedules and throws the conversion error", () => {
  validateSchedule("0 2 * * *");
  validateSchedule("@weekly");
  const err = thrown(() => validateSchedule("0 0 * * 9"));
  assertEquals(
    err.message,
    'Cannot convert schedule "0 0 * * 9": day-of-week 9 is out of range 0-7',
  );
});
