/**
 * The keys docket itself writes into a run's details (its sandbox, its audit, what it stopped
 * or cut) are docket's: a task's result cannot claim them. A task that returns them finds them
 * kept under `details.from_task`; docket's own audit still appears with `--audit`.
 */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const FORGED =
  `{ audit: { denied: [], unused: { reads: [], writes: [] }, minimal: true, forged: 1 }, ` +
  `sandbox: { os: "bwrap", network: "none", forged: 1 }, leftovers_stopped: 0, mine: 7 }`;

Deno.test("a task cannot forge details.audit or details.sandbox; its own keys stay; --audit gives docket's", async () => {
  await withHome(async (h) => {
    h.task("forger", `{ run: () => ({ ok: true, summary: "done", details: ${FORGED} }) }`);
    const r = await h.run(["--json", "run", "forger"]);
    assert.equal(r.json.status, "succeeded", r.stdout);
    assert.equal(r.json.details.mine, 7, "the task's own keys are kept");
    assert.equal(r.json.details.audit, undefined, JSON.stringify(r.json.details));
    assert.ok(r.json.details.sandbox?.forged === undefined, JSON.stringify(r.json.details));
    assert.equal(r.json.details.leftovers_stopped, undefined);
    assert.equal(r.json.details.from_task.audit.forged, 1, "nothing the task returned is lost");
    assert.equal(r.json.details.from_task.sandbox.forged, 1);
    const human = await h.run(["run", "forger"]);
    assert.ok(!/audit/i.test(human.stdout), human.stdout);

    // Positive control: docket's own audit is there when asked for.
    const a = await h.run(["--json", "run", "forger", "--audit"]);
    assert.equal(a.json.status, "succeeded", a.stdout);
    assert.ok(a.json.details.audit, a.stdout);
    assert.equal(a.json.details.audit.forged, undefined);
  });
});
