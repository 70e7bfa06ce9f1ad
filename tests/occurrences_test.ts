/** The occurrence ledger through the CLI: run --slot, refusals, missed slots, status, help. */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { until, withHome } from "./helpers.ts";

const CONFIG = `tasks:
  tick:
    type: command
    command: ["true"]
    schedule: "*/2 * * * * *"
  needs:
    type: command
    command: ["true"]
    schedule: "* * * * *"
    required_env: [DOCKET_TEST_UNSET_VAR]
  plain:
    type: command
    command: ["true"]
`;

Deno.test("run --slot records ran; the same slot cannot start twice; a bad slot is a usage error", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    const r = await h.run(["--json", "run", "tick", "--slot", "auto"]);
    assertEquals(r.code, 0, r.stderr);
    const o = await h.run(["--json", "occurrences", "tick"]);
    assertEquals(Object.keys(o.json).sort(), ["occurrences", "ok", "task"]);
    const ran = o.json.occurrences.find((x: { run_id: string }) => x.run_id === r.json.run_id);
    assertEquals(ran.state, "ran");
    assertEquals(Object.keys(ran).sort(), [
      "delay_ms",
      "reason",
      "run_id",
      "slot",
      "started_at",
      "state",
    ]);
    assert(ran.delay_ms >= 0 && ran.delay_ms < 60000);
    // The same slot again: refused before running, nothing new recorded.
    const again = await h.run(["--json", "run", "tick", "--slot", ran.slot]);
    assertEquals(again.code, 1);
    assertEquals(again.json.error.kind, "lock_held");
    const runs = await h.run(["--json", "runs", "tick"]);
    assertEquals(runs.json.runs.length, 1);
    // Not a fire time / not a time / no schedule.
    const odd = await h.run(["--json", "run", "tick", "--slot", "2026-01-01T00:00:01Z"]);
    assertEquals([odd.code, odd.json.error.kind], [1, "usage"]);
    const junk = await h.run(["--json", "run", "tick", "--slot", "yesterday"]);
    assertEquals([junk.code, junk.json.error.kind], [1, "usage"]);
    const none = await h.run(["--json", "run", "plain", "--slot", "auto"]);
    assertEquals([none.code, none.json.error.kind], [1, "usage"]);
    const occ = await h.run(["--json", "occurrences", "plain"]);
    assertEquals([occ.code, occ.json.error.kind], [1, "usage"]);
    const lim = await h.run(["--json", "occurrences", "tick", "--limit", "0"]);
    assertEquals([lim.code, lim.json.error.kind], [1, "usage"]);
  });
});

Deno.test("a start refused for a missing variable is recorded `refused` with the reason", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    const r = await h.run(["--json", "run", "needs", "--slot", "auto"]);
    assertEquals([r.code, r.json.error.kind], [1, "env_missing"]);
    const o = await h.run(["--json", "occurrences", "needs"]);
    assertEquals(o.json.occurrences[0].state, "refused");
    assert(o.json.occurrences[0].reason.includes("DOCKET_TEST_UNSET_VAR"));
    // Positive control: with the variable set the task runs (by hand: the slot is decided).
    const ok = await h.run(["--json", "run", "needs"], { env: { DOCKET_TEST_UNSET_VAR: "1" } });
    assertEquals(ok.code, 0, ok.stderr);
  });
});

Deno.test("installed timers that never fire: their slots are `missed`, status says so", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    const dir = `${h.dir}/units`;
    const inst = await h.run(["--json", "install", "tick", "--system", "--dir", dir]);
    assertEquals(inst.code, 0, inst.stderr);
    const since = new Date().toISOString();
    // Nothing runs the units here: slots pass with no start.
    await until(
      async () => {
        const o = await h.run(["--json", "occurrences", "tick", "--since", since]);
        return o.json.occurrences.filter((x: { state: string }) => x.state === "missed").length >=
          2;
      },
      30000,
      "two missed slots",
    );
    const st = await h.run(["--json", "status", "tick"]);
    assert(st.json.schedule.missed >= 2, JSON.stringify(st.json.schedule));
    assertEquals(st.json.schedule.last_success, null);
    assert(Date.parse(st.json.schedule.next_due) > Date.now() - 1000);
    const human = await h.run(["status"]);
    assert(/missed/.test(human.stdout), human.stdout);
    // Positive control: a task with no install and no slotted run expects nothing.
    const other = await h.run(["--json", "occurrences", "needs"]);
    assertEquals(other.json.occurrences, []);
  });
});

Deno.test("occurrences and scheduler are in help and capabilities", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    const caps = await h.run(["--json", "capabilities"]);
    const names = caps.json.commands.map((c: { name: string }) => c.name);
    assert(names.includes("occurrences") && names.includes("scheduler"), names.join(" "));
    const help = await h.run(["--help"]);
    assert(help.stdout.includes("occurrences") && help.stdout.includes("scheduler"));
  });
});
