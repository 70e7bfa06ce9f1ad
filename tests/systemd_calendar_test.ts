/**
 * Both engines agree: for each schedule, time zone and jitter, `docket scheduler`'s fire times
 * (src/schedule/next.ts) equal what `systemd-analyze calendar` computes for the OnCalendar=
 * lines `docket install` writes (src/systemd/calendar.ts), DST changes included.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { timerCalendar } from "../src/systemd/calendar.ts";
import { firesBetween, policyOf } from "../src/schedule/next.ts";

const N = 6;

/** `systemd-analyze calendar` fire times of the union of `lines` after `base`, first N. */
async function systemdFires(lines: string[], base: Date): Promise<string[]> {
  const out = await new Deno.Command("systemd-analyze", {
    args: [
      "calendar",
      `--iterations=${N}`,
      `--base-time=${base.toISOString().replace("T", " ").slice(0, 19)} UTC`,
      ...lines,
    ],
    env: { TZ: "UTC", LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert(out.success, `${lines.join(" | ")}: ${new TextDecoder().decode(out.stderr)}`);
  const times = [...text.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC/g)].map((m) =>
    new Date(`${m[1]!.replace(" ", "T")}Z`).toISOString()
  );
  return [...new Set(times)].sort().slice(0, N);
}

const CASES: [string, Record<string, unknown>][] = [];
const exprs = [
  "*/2 * * * * *",
  "30 2 * * *",
  "0 3 * * *",
  "15 1,2,3 * * *",
  "*/15 * * * *",
  "0 */6 * * *",
  "0 0 * * 0",
  "0 0 13 * 5",
  "0 9 * * 1-5",
  "@daily",
  "@hourly",
  "@weekly",
  "@monthly",
  "5 4 1 1 *",
  "0 12 1,15 * *",
  "45 23 * * *",
  "0 2 * 3,10 0",
  "10 30 2 * * *",
];
const zones = [undefined, "Europe/Berlin", "America/New_York", "Australia/Sydney"];
for (const schedule of exprs) {
  for (const tz of zones) {
    CASES.push([schedule, { schedule, ...(tz ? { timezone: tz } : {}) }]);
  }
}
// Jitter: the scheduler's stable offset baked into OnCalendar.
for (const schedule of ["0 3 * * *", "*/15 * * * *", "30 2 * * *", "0 0 * * 0", "@hourly"]) {
  CASES.push([schedule, { schedule, jitter: 600, timezone: "Europe/Berlin" }]);
  CASES.push([schedule, { schedule, jitter: 59 }]);
}
/** Around the DST changes of 2026 (Europe 29 Mar / 25 Oct, US 8 Mar / 1 Nov, Sydney 5 Apr / 4 Oct). */
const BASES = [
  "2026-03-07T12:00:00Z",
  "2026-03-28T00:00:00Z",
  "2026-10-24T12:00:00Z",
  "2026-10-31T12:00:00Z",
  "2026-04-04T00:00:00Z",
  "2026-10-03T00:00:00Z",
];

Deno.test(`scheduler fire times equal systemd-analyze calendar (${CASES.length} cases x ${BASES.length} base times)`, async () => {
  assert(CASES.length >= 40);
  const disagree: string[] = [];
  let compared = 0;
  for (const [i, [schedule, c]] of CASES.entries()) {
    const name = `task-${i}`;
    const cal = timerCalendar(name, c);
    const p = policyOf(name, c)!;
    // Every-2-seconds runs need only one base; the others cross each DST change.
    for (const b of schedule.startsWith("*/2") ? BASES.slice(0, 1) : BASES) {
      const base = new Date(b);
      const ours = firesBetween(p, base, new Date(base.getTime() + 20 * 366 * 86400_000), N)
        .map((d) => d.toISOString());
      const theirs = await systemdFires(cal.onCalendar, base);
      compared++;
      if (JSON.stringify(ours) !== JSON.stringify(theirs)) {
        disagree.push(
          `${schedule} ${JSON.stringify(c)} from ${b}:\n  docket  ${ours.join(" ")}\n  systemd ${
            theirs.join(" ")
          }\n  (${cal.onCalendar.join(" | ")})`,
        );
      }
    }
  }
  console.log(`compared ${compared} sequences of ${N} fire times`);
  assertEquals(disagree, []);
});

Deno.test("install: the timer carries timezone, jitter offset and catch_up; verify passes; status agrees", async () => {
  const { withHome } = await import("./helpers.ts");
  await withHome(async (h) => {
    h.config(`tasks:
  nightly:
    type: command
    command: ["true"]
    schedule: "0 3 * * *"
    timezone: Europe/Berlin
    jitter: 600
    catch_up: none
  hourly:
    type: command
    command: ["true"]
    schedule: "@hourly"
    catch_up: latest
`);
    const dir = `${h.dir}/units`;
    const r = await h.run(["--json", "install", "--system", "--dir", dir]);
    assertEquals(r.code, 0, r.stderr);
    const st = await h.run(["--json", "status"]);
    for (const u of r.json.units) {
      const v = await new Deno.Command("systemd-analyze", {
        args: ["verify", u.timer_path, u.service_path],
        env: { LC_ALL: "C" },
        stderr: "piped",
      }).output();
      assertEquals(new TextDecoder().decode(v.stderr), "", u.task);
      const timer = Deno.readTextFileSync(u.timer_path);
      const due = st.json.tasks.find((t: { name: string }) => t.name === u.task).schedule.next_due;
      // The timer's next elapse (from now) is the next_due docket reports.
      const [next] = await systemdFires(u.on_calendar, new Date());
      assertEquals(next, due, u.task);
      if (u.task === "nightly") {
        assert(/^OnCalendar=\*-\*-\* 03:\d\d:\d\d Europe\/Berlin$/m.test(timer), timer);
        assert(timer.includes("Persistent=false"));
      } else {
        assert(timer.includes("Persistent=true"));
      }
    }
  });
});
