/**
 * The scheduling keys docket maps into CronJobs (overlap, timezone, jitter_seconds,
 * starting_deadline_seconds) are the operator's, like `schedule`: a drop-in's `defaults` for
 * them is a load error, while the same values in the operator's section shape the CronJob.
 */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const SCHEMA = `{ overlap: { type: "string" }, timezone: { type: "string" }, ` +
  `jitter_seconds: { type: "number" }, starting_deadline_seconds: { type: "number" } }`;
const VALUES = `overlap: "allow", timezone: "Pacific/Kiritimati", starting_deadline_seconds: 600`;
const RUN = `run: () => ({ ok: true, summary: "ran" })`;

Deno.test("a drop-in cannot pick its CronJob's overlap, time zone or deadline; the operator's section does", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  sched: { schedule: "0 3 * * *" }\n`);
    h.task("sched", `{ schema: ${SCHEMA}, defaults: { ${VALUES} }, ${RUN} }`);
    const list = await h.run(["--json", "list"]);
    const t = list.json.tasks.find((x: { name: string }) => x.name === "sched");
    assert.ok(t.load_error, JSON.stringify(t));
    assert.match(t.load_error.message, /overlap|timezone|starting_deadline_seconds/);
    const k = await h.run(["install", "sched", "--target", "kubernetes", "--out", "-"]);
    assert.ok(!k.stdout.includes("concurrencyPolicy: Allow"), k.stdout);
    assert.ok(!k.stdout.includes("Pacific/Kiritimati"), k.stdout);

    // Positive control: the operator's own section sets them.
    h.config(
      `tasks:\n  sched: { schedule: "0 3 * * *", overlap: allow, timezone: Pacific/Kiritimati, ` +
        `starting_deadline_seconds: 600 }\n`,
    );
    h.task("sched", `{ ${RUN} }`);
    const ok = await h.run(["install", "sched", "--target", "kubernetes", "--out", "-"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /concurrencyPolicy: Allow/);
    assert.match(ok.stdout, /timeZone: Pacific\/Kiritimati/);
    assert.match(ok.stdout, /startingDeadlineSeconds: 600/);
  });
});
