/**
 * `docket scheduler` black-box: real scheduler processes, real runs, the ledger in SQLite.
 * 6-field schedules fire every 1-2 s; every wait is a bounded poll on the ledger.
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { Home, until } from "./helpers.ts";
import { drain, ledger, runRow, Scheduler } from "./schedule_helpers.ts";

const cmd = (name: string, body: string) =>
  `  ${name}:\n    type: command\n    command: ["sh", "-c", ${
    JSON.stringify(body)
  }]\n    exec: [sh, sleep]\n`;

async function withScheduler(
  yaml: string,
  fn: (h: Home, s: Scheduler) => Promise<void>,
  tasks: string[],
) {
  const h = new Home();
  h.config(`tasks:\n${yaml}`);
  const s = new Scheduler(h);
  try {
    await s.started();
    await fn(h, s);
  } finally {
    await s.stop();
    for (const t of tasks) await drain(h, t).catch(() => {});
    h.cleanup();
  }
}

Deno.test("overlap skip: a slot due while a run holds the lock is `skipped` with the holder", async () => {
  await withScheduler(
    cmd("slow", "sleep 3") + `    schedule: "* * * * * *"\n`,
    async (h) => {
      await until(() => ledger(h, "slow").some((r) => r.state === "skipped"), 20000, "a skip");
      const rows = ledger(h, "slow");
      const skip = rows.find((r) => r.state === "skipped")!;
      const ran = rows.filter((r) => r.state === "ran");
      assert(ran.length >= 1, "positive control: a slot ran");
      assert(ran.some((r) => r.run_id === skip.holder_run_id), "the holder is the run that ran");
      assert(skip.reason?.startsWith("lock_held:"), skip.reason ?? "");
      const out = await h.run(["--json", "occurrences", "slow", "--limit", "50"]);
      const o = out.json.occurrences.find((x: { slot: string }) => x.slot === skip.slot);
      assertEquals(o.state, "skipped");
      assertEquals(o.holder_run_id, skip.holder_run_id);
    },
    ["slow"],
  );
});

Deno.test("overlap replace: the running run is cancelled and the new slot runs", async () => {
  await withScheduler(
    cmd("rep", "sleep 8") +
      `    schedule: "*/2 * * * * *"\n    overlap: replace\n    kill_grace_seconds: 1\n`,
    async (h) => {
      await until(
        () => ledger(h, "rep").filter((r) => r.state === "ran").length >= 2,
        30000,
        "two runs",
      );
      const [first, second] = ledger(h, "rep").filter((r) => r.state === "ran");
      await until(
        () => runRow(h, first!.run_id!)?.status === "cancelled",
        15000,
        "first cancelled",
      );
      assert(second!.run_id !== first!.run_id);
      assertEquals(ledger(h, "rep").filter((r) => r.state === "skipped").length, 0);
    },
    ["rep"],
  );
});

Deno.test("overlap queue: one start waits and runs after the holder, the rest are skipped", async () => {
  await withScheduler(
    cmd("q", "sleep 3") + `    schedule: "* * * * * *"\n    overlap: queue\n`,
    async (h, s) => {
      // The queued start begins after its slot's deadline: `late`, with its delay.
      const started = (r: { state: string }) => r.state === "ran" || r.state === "late";
      await until(() => ledger(h, "q").filter(started).length >= 2, 30000, "two runs").catch(
        (e) => {
          throw new Error(`${e.message}: ${JSON.stringify(ledger(h, "q"))}\n${s.stderr}`);
        },
      );
      const rows = ledger(h, "q");
      const [first, second] = rows.filter(started);
      const firstRun = runRow(h, first!.run_id!)!;
      assert(typeof firstRun.finished_at === "string", "the first run finished before the second");
      assert(second!.started_at! >= (firstRun.finished_at as string), "the queued one ran after");
      // Slots that came due while the first ran: one start (the queued one), the rest skipped.
      const during = rows.filter((r) =>
        r.slot > first!.slot && r.slot < (firstRun.finished_at as string)
      );
      assertEquals(during.filter((r) => r.run_id).map((r) => r.run_id), [second!.run_id]);
      const skipped = during.filter((r) => !r.run_id);
      assert(skipped.length >= 1, "slots came due while the first ran");
      assert(skipped.every((r) => r.state === "skipped"), JSON.stringify(skipped));
      assert(skipped.every((r) => r.reason?.includes("already queued")), JSON.stringify(skipped));
    },
    ["q"],
  );
});

Deno.test("a refused start (missing env) is recorded `refused`; a task without the need runs", async () => {
  await withScheduler(
    cmd("needs", "true") +
      `    schedule: "* * * * * *"\n    required_env: [DOCKET_TEST_NOT_SET]\n` +
      cmd("fine", "true") + `    schedule: "* * * * * *"\n`,
    async (h) => {
      await until(() => ledger(h, "needs").some((r) => r.state === "refused"), 20000, "refusal");
      await until(() => ledger(h, "fine").some((r) => r.state === "ran"), 20000, "control");
      const r = ledger(h, "needs").find((x) => x.state === "refused")!;
      assert(r.reason?.startsWith("env_missing:"), r.reason ?? "");
      assert(r.reason?.includes("DOCKET_TEST_NOT_SET"));
      const st = await h.run(["--json", "status", "needs"]);
      assertEquals(
        st.json.schedule.last_slot.state === "refused" ||
          st.json.schedule.last_slot.state === "pending",
        true,
      );
    },
    ["needs", "fine"],
  );
});

Deno.test("two schedulers on one home start each slot once", async () => {
  const h = new Home();
  h.config(`tasks:\n${cmd("once", "true")}    schedule: "* * * * * *"\n`);
  const a = new Scheduler(h);
  const b = new Scheduler(h);
  try {
    await Promise.all([a.started(), b.started()]);
    await until(
      () => ledger(h, "once").filter((r) => r.state === "ran").length >= 5,
      30000,
      "5 slots",
    );
    await until(
      () => /already claimed/.test(a.stderr + b.stderr),
      20000,
      "both schedulers to try one slot",
    );
  } finally {
    await a.stop();
    await b.stop();
    await drain(h, "once");
  }
  try {
    const slots = ledger(h, "once").filter((r) => r.run_id);
    const runs = await h.run(["--json", "runs", "once", "--limit", "1000"]);
    // Every run belongs to exactly one slot, and no slot has two runs.
    assertEquals(runs.json.runs.length, slots.length);
    assertEquals(new Set(slots.map((s) => s.run_id)).size, slots.length);
  } finally {
    h.cleanup();
  }
});
