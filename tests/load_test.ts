/**
 * Load: 50 concurrent async runs (command and sandboxed TypeScript tasks emitting events)
 * while another process polls `status` 20 times a second for their whole life. Zero errors;
 * all 50 results and all their events are recorded.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { until, withHome } from "./helpers.ts";

const RUNS = 50;
const TS_RUNS = 15;
const EVENTS = 40;

Deno.test("50 concurrent async runs under a 20/s status poller: zero errors, nothing lost", async () => {
  await withHome(async (h) => {
    const emit = `${h.dir}/emit.sh`;
    Deno.writeTextFileSync(
      emit,
      `i=0\nwhile [ $i -lt ${EVENTS} ]; do echo "{\\"type\\":\\"tick\\",\\"i\\":$i}"; ` +
        `i=$((i+1)); sleep 0.02; done\n`,
    );
    let cfg = "tasks:\n";
    const names: string[] = [];
    for (let k = 0; k < RUNS; k++) {
      const name = `load${k}`;
      names.push(name);
      if (k < TS_RUNS) {
        h.task(
          name,
          `{ description: "emits events", async run(_c, ctx) {
            for (let i = 0; i < ${EVENTS}; i++) {
              ctx.event("tick", { i });
              await new Promise((r) => setTimeout(r, 20));
            }
            return { ok: true, summary: "done" };
          } }`,
        );
      } else cfg += `  ${name}:\n    command: ["sh", "${emit}"]\n    output_format: jsonl\n`;
    }
    h.config(cfg);
    const ready = await h.run(["--json", "list"]); // metadata cache and state DB in place
    assert.equal(ready.code, 0);
    const stop = `${h.dir}/stop-poller`;
    const poller = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("./load_poller.ts", import.meta.url).pathname, stop, "20"],
      env: h.env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const pollerOut = poller.output();
    const t0 = Date.now();
    const receipts: { run_id: string; task: string }[] = [];
    const launchErrors: string[] = [];
    let next = 0;
    await Promise.all(Array.from({ length: 6 }, async () => {
      while (next < names.length) {
        const name = names[next++]!;
        const r = await h.run(["--json", "run", name, "--async"]);
        if (r.code !== 0) launchErrors.push(`${name}: ${r.stdout}${r.stderr}`);
        else receipts.push(r.json);
      }
    }));
    assert.deepEqual(launchErrors, []);
    const db = new DatabaseSync(h.stateDb);
    db.exec("PRAGMA busy_timeout = 5000");
    try {
      const active = db.prepare("SELECT count(*) AS n FROM runs WHERE status = 'running'");
      await until(() => (active.get() as { n: number }).n === 0, 50_000, "all runs finished");
      const elapsed = Date.now() - t0;
      Deno.writeTextFileSync(stop, "");
      const out = await pollerOut;
      const text = new TextDecoder().decode(out.stdout);
      const summary = JSON.parse(new TextDecoder().decode(out.stderr).trim().split("\n").pop()!);
      // Piped --json output is one compact document per call: one line each.
      const docs = text.split("\n").filter((d) => d.trim()).map((d) => JSON.parse(d));
      assert.equal(summary.failed, 0, "status never failed");
      assert.equal(docs.length, summary.calls);
      assert.ok(docs.every((d) => d.ok === true), "every status document is ok");
      assert.ok(
        summary.calls >= (elapsed / 1000) * 20 * 0.5,
        `the poller kept up: ${summary.calls} calls in ${elapsed} ms`,
      );
      console.log(`  ${RUNS} runs in ${elapsed} ms; ${summary.calls} status polls, 0 errors`);
      const rows = db.prepare("SELECT run_id, task_name, status FROM runs").all() as {
        run_id: string;
        task_name: string;
        status: string;
      }[];
      assert.equal(rows.length, RUNS);
      assert.deepEqual(
        rows.filter((r) => r.status !== "succeeded").map((r) => `${r.task_name}:${r.status}`),
        [],
      );
      assert.deepEqual(new Set(rows.map((r) => r.run_id)), new Set(receipts.map((r) => r.run_id)));
      const ev = db.prepare(
        `SELECT count(*) AS n, min(event_index) AS lo, max(event_index) AS hi,
           sum(json_extract(event_json, '$.i') = event_index) AS matching
         FROM events WHERE run_id = ?`,
      );
      for (const r of rows) {
        const e = ev.get(r.run_id) as { n: number; lo: number; hi: number; matching: number };
        assert.deepEqual(
          { ...e },
          { n: EVENTS, lo: 0, hi: EVENTS - 1, matching: EVENTS },
          r.task_name,
        );
      }
      const ic = db.prepare("PRAGMA integrity_check").get() as { integrity_check: string };
      assert.equal(ic.integrity_check, "ok");
    } finally {
      db.close();
      Deno.writeTextFileSync(stop, "");
    }
  });
});
