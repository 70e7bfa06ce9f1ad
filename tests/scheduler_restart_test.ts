/**
 * The scheduler across a SIGKILL and a restart: catch_up latest vs none, and the jitter's
 * stable offset. Real processes; waits are bounded polls (the downtime itself is the point).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Home, until } from "./helpers.ts";
import { drain, ledger, Scheduler } from "./schedule_helpers.ts";
import { hostId, jitterOffset } from "../src/schedule/next.ts";

const task = (name: string, extra: string) =>
  `  ${name}:\n    type: command\n    command: ["true"]\n${extra}`;

Deno.test("SIGKILL for ~5 s, restart: catch_up latest runs one missed slot, none runs none", async () => {
  const h = new Home();
  const every2 = `    schedule: "*/2 * * * * *"\n`;
  h.config(
    `tasks:\n${task("lat", `${every2}    catch_up: latest\n`)}${
      task("non", `${every2}    catch_up: none\n`)
    }`,
  );
  let s = new Scheduler(h);
  try {
    await s.started();
    const ran = (t: string) => ledger(h, t).some((r) => r.state === "ran");
    await until(() => ran("lat") && ran("non"), 20000, "both to run once");
    await s.stop("SIGKILL");
    const killedAt = new Date().toISOString();
    await until(() => Date.now() > Date.parse(killedAt) + 6000, 9000, "the downtime");
    const restartAt = new Date().toISOString();
    s = new Scheduler(h);
    await s.started();
    const after = (t: string) => ledger(h, t).some((r) => r.run_id && r.slot > restartAt);
    await until(() => after("lat") && after("non"), 20000, "both to run after the restart");
    // The restarted scheduler's first tick is after the time its "started" line shows: a slot
    // two seconds (its deadline) before that was overdue then, whatever the startup took.
    const startedAt = /\[docket\] (\S+) scheduler started/.exec(s.stderr)![1]!;
    const overdue = new Date(Date.parse(startedAt) - 2000).toISOString();
    const rows = (t: string, to: string) =>
      ledger(h, t).filter((r) => r.slot > killedAt && r.slot < to);
    // latest: exactly one catch-up start, recorded late (it began after its deadline).
    const caught = rows("lat", startedAt).filter((r) => r.state === "late");
    assertEquals(caught.length, 1, JSON.stringify(ledger(h, "lat")));
    // none: no slot overdue at the restart started; the ledger computes them as missed.
    assertEquals(rows("non", overdue).filter((r) => r.run_id), []);
    assertEquals(rows("non", startedAt).filter((r) => r.state === "late"), []);
    const occ = await h.run(["--json", "occurrences", "non", "--since", killedAt, "--limit", "50"]);
    const missed = occ.json.occurrences.filter((o: { slot: string; state: string }) =>
      o.slot < overdue && o.state === "missed"
    );
    assert(missed.length >= 1, JSON.stringify(occ.json.occurrences));
    const lat = await h.run(["--json", "occurrences", "lat", "--since", killedAt, "--limit", "50"]);
    const latDown = lat.json.occurrences.filter((o: { slot: string }) => o.slot < overdue);
    assert(latDown.some((o: { state: string }) => o.state === "missed"), "older ones missed");
  } finally {
    await s.stop();
    await drain(h, "lat");
    await drain(h, "non");
    h.cleanup();
  }
});

Deno.test("jitter: the same offset across restarts, a different one for another task name", async () => {
  // Two names whose hashed offsets differ on this host (the hash is the function under test
  // in src/schedule/next_test.ts; here: the scheduler fires at it, run after run).
  const names = ["ja", "jb", "jc", "jd", "je", "jf"];
  const off = (n: string) => jitterOffset(n, 9, hostId());
  const a = names[0]!;
  const b = names.find((n) => off(n) !== off(a))!;
  const h = new Home();
  const sched = `    schedule: "*/10 * * * * *"\n    jitter: 9\n`;
  h.config(`tasks:\n${task(a, sched)}${task(b, sched)}`);
  const secondOf = (iso: string) => new Date(iso).getUTCSeconds() % 10;
  try {
    const st1 = await h.run(["--json", "status"]);
    const st2 = await h.run(["--json", "status"]);
    const due = (st: typeof st1, n: string) =>
      st.json.tasks.find((t: { name: string }) => t.name === n).schedule.next_due;
    // Stable across processes, and different between the two names.
    assertEquals(due(st1, a), due(st2, a));
    assert(secondOf(due(st1, a)) !== secondOf(due(st1, b)));
    for (const round of [1, 2]) {
      const s = new Scheduler(h);
      try {
        await s.started();
        const have = (n: string) =>
          ledger(h, n).filter((r) => r.state === "ran" || r.state === "late").length >= round;
        await until(() => have(a) && have(b), 30000, `round ${round}`);
      } finally {
        await s.stop();
      }
    }
    for (const n of [a, b]) {
      const slots = ledger(h, n).filter((r) => r.run_id).map((r) => secondOf(r.slot));
      assert(slots.length >= 2);
      assert(slots.every((x) => x === off(n)), `${n}: ${slots} vs ${off(n)}`);
      assertEquals(secondOf(due(st1, n)), off(n));
    }
  } finally {
    await drain(h, a);
    await drain(h, b);
    h.cleanup();
  }
});
