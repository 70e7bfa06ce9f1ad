/**
 * One conformance suite, three backends: SQLite (a temp file), the in-memory store, and
 * PostgreSQL (a real server this file starts, one fresh database per case).
 */
import { strict as assert } from "node:assert";
import type { RunRow, Store } from "../src/core/store.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";
import { MemoryStore } from "../src/store/memory.ts";
import { PgStore } from "../src/store/postgres.ts";
import { PG_MISSING, pgAvailable, type PgServer, startPg } from "./pg_server.ts";

let pg: PgServer | undefined;
let dbs = 0;
const opened: Store[] = [];

const backends: Record<string, () => Promise<Store>> = {
  sqlite: () => Promise.resolve(new SqliteStore(`${Deno.makeTempDirSync()}/state.db`)),
  memory: () => Promise.resolve(new MemoryStore()),
  postgres: async () => {
    pg ??= await startPg();
    const url = await pg.createDb(`c${++dbs}`);
    return new PgStore({ url, source: "test", hostId: "h1", beatMs: 1000, staleMs: 6000 });
  },
};

function run(id: string, over: Partial<RunRow> = {}): RunRow {
  return {
    run_id: id,
    task_name: "t",
    status: "running",
    exit_code: null,
    summary: "",
    details: {},
    error: null,
    started_at: new Date().toISOString(),
    finished_at: null,
    duration_ms: null,
    dry_run: false,
    attempts: 0,
    async: false,
    runner_pid: 10,
    runner_start: "100",
    runner_ns: null,
    task_pid: null,
    task_start: null,
    cancel_requested_at: null,
    log_path: `/logs/${id}.log`,
    overrides: {},
    hooks: [],
    admission: null,
    ...over,
  };
}

const finish = (
  status: "succeeded" | "failed" = "succeeded",
  finished_at = "2026-01-01T00:00:00.000Z",
) => ({
  status,
  exit_code: status === "succeeded" ? 0 : 1,
  summary: "done \0 here ✓",
  details: { n: 1, nested: { s: "x\0y" } },
  error: null,
  finished_at,
  duration_ms: 12,
  attempts: 1,
});

/** Fields every backend stores (a shared store adds host_id). */
function core(r: RunRow | undefined) {
  if (!r) return r;
  const { host_id: _h, host_alive: _a, ...rest } = r;
  return rest;
}

const cases: Record<string, (s: Store) => void> = {
  "runs: round trip, finish sets latest state, finished runs are immutable": (s) => {
    s.insertRun(run("r1", { overrides: { a: 1 }, admission: null, summary: "" }));
    assert.deepEqual(
      core(s.getRun("r1")),
      run("r1", {
        overrides: { a: 1 },
        started_at: s.getRun("r1")!.started_at,
      }),
    );
    s.setRunner("r1", { task_pid: 42, task_start: "7", attempts: 1 });
    assert.equal(s.getRun("r1")!.task_pid, 42);
    assert.equal(s.activeRuns().length, 1);
    assert.equal(s.finishRun("r1", finish(), { runner_pid: 11, runner_start: "100" }), false);
    assert.equal(s.finishRun("r1", finish(), { runner_pid: 10, runner_start: "100" }), true);
    const got = s.getRun("r1")!;
    assert.equal(got.summary, "done \0 here ✓");
    assert.deepEqual(got.details, { n: 1, nested: { s: "x\0y" } });
    assert.equal(s.finishRun("r1", finish("failed")), false, "a finished run is immutable");
    s.setRunner("r1", { status: "running" });
    assert.equal(s.getRun("r1")!.status, "succeeded");
    assert.equal(s.activeRuns().length, 0);
    assert.equal(s.latestPerTask().get("t")!.run_id, "r1");
    assert.equal(s.getRun("nope"), undefined);
  },
  "runs: listing is newest first, by task, without dry runs, limited; dry runs are not latest": (
    s,
  ) => {
    s.insertRun(run("a1", { task_name: "a" }));
    s.insertRun(run("a2", { task_name: "a", dry_run: true }));
    s.insertRun(run("b1", { task_name: "b" }));
    for (const id of ["a1", "a2", "b1"]) s.finishRun(id, finish());
    assert.deepEqual(s.listRuns({ limit: 10 }).map((r) => r.run_id), ["b1", "a2", "a1"]);
    assert.deepEqual(s.listRuns({ limit: 10, task: "a" }).map((r) => r.run_id), ["a2", "a1"]);
    assert.deepEqual(
      s.listRuns({ limit: 10, includeDryRuns: false }).map((r) => r.run_id),
      ["b1", "a1"],
    );
    assert.deepEqual(s.listRuns({ limit: 1 }).map((r) => r.run_id), ["b1"]);
    assert.equal(s.latestPerTask().get("a")!.run_id, "a1");
    s.requestCancel("a1", "2026-01-02T00:00:00.000Z");
    assert.equal(s.getRun("a1")!.cancel_requested_at, null, "only an active run");
  },
  "events: ordered across batches, paged, counted; a batch is all or nothing": (s) => {
    s.insertRun(run("e1"));
    const ev = (i: number) => ({
      timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, "0")}.000Z`,
      event_type: i % 2 ? "progress" : "log",
      event: { i, text: "∂\0" },
    });
    s.appendEvents("e1", "t", 0, Array.from({ length: 3 }, (_, i) => ev(i)));
    s.appendEvents("e1", "t", 3, Array.from({ length: 12_000 }, (_, i) => ev(i + 3)));
    assert.equal(s.countEvents("e1"), 12_003);
    const page = s.listEvents("e1", 2, 3);
    assert.deepEqual(page.map((e) => e.event_index), [2, 3, 4]);
    assert.deepEqual(page[0], { run_id: "e1", task_name: "t", event_index: 2, ...ev(2) });
    let next = 0;
    for (let from = 0; from < 12_003; from += 5000) {
      for (const e of s.listEvents("e1", from, 5000)) assert.equal(e.event_index, next++);
    }
    assert.equal(next, 12_003, "none lost, none duplicated");
    assert.throws(() => s.appendEvents("e1", "t", 12_002, [ev(1), ev(2)]));
    assert.equal(s.countEvents("e1"), 12_003, "the failed batch added nothing");
    assert.equal(s.countEvents("other"), 0);
  },
  "locks: one holder; a dead holder is taken over; transfer, release, finish frees": (s) => {
    const h = (run_id: string, pid: number) => ({
      task_name: "t",
      run_id,
      pid,
      pid_start: "1",
      acquired_at: "2026-01-01T00:00:00.000Z",
    });
    const alive = new Set([1]);
    const isAlive = (x: { pid: number }) => alive.has(x.pid);
    assert.deepEqual(s.acquire(h("r1", 1), isAlive), { ok: true });
    const held = s.acquire(h("r2", 2), isAlive);
    assert.equal(held.ok, false);
    assert.equal(!held.ok && held.holder.run_id, "r1");
    s.transfer("t", "r1", 3, "9");
    assert.equal(s.list()[0]!.pid, 3);
    // the new holder (pid 3) is dead: the next one takes over
    assert.deepEqual(s.acquire(h("r2", 2), isAlive), { ok: true });
    assert.equal(s.list()[0]!.run_id, "r2");
    s.release("t", "r1");
    assert.equal(s.list().length, 1, "release by another run id does nothing");
    s.insertRun(run("r2"));
    s.finishRun("r2", finish());
    assert.equal(s.list().length, 0, "finishing a run frees its lock");
  },
  "hooks: records replace, on finished runs too": (s) => {
    s.insertRun(run("k1"));
    s.setHooks("k1", [{ name: "a", ok: true, exit_code: 0 }]);
    s.finishRun("k1", finish());
    s.setHooks("k1", [{ name: "a", ok: true }, { name: "b", ok: false, error: "x" }]);
    assert.deepEqual(s.getRun("k1")!.hooks, [{ name: "a", ok: true }, {
      name: "b",
      ok: false,
      error: "x",
    }]);
  },
  "prune: keep_runs and keep_days; never running, never a task's latest; events go too": (s) => {
    for (const [id, at] of [["p1", "2020-01-01"], ["p2", "2020-01-02"], ["p3", "2026-01-01"]]) {
      s.insertRun(run(id!));
      s.appendEvents(id!, "t", 0, [{ timestamp: at!, event_type: "log", event: {} }]);
      s.finishRun(id!, finish("succeeded", `${at}T00:00:00.000Z`));
    }
    s.insertRun(run("p0", { status: "running" }));
    const r = s.retention();
    assert.deepEqual(r.pruneCandidates(1, null).map((c) => [c.run_id, c.reason]), [
      ["p1", "keep_runs"],
      ["p2", "keep_runs"],
    ]);
    assert.deepEqual(r.pruneCandidates(null, "2021-01-01T00:00:00.000Z").map((c) => c.run_id), [
      "p1",
      "p2",
    ]);
    assert.deepEqual(r.pruneCandidates(null, "2030-01-01T00:00:00.000Z").map((c) => c.run_id), [
      "p1",
      "p2",
    ], "p3 is the latest state");
    const gone = r.deleteRuns(2, null);
    assert.deepEqual(gone.map((c) => [c.run_id, c.event_count]), [["p1", 1]]);
    assert.equal(s.getRun("p1"), undefined);
    assert.equal(s.countEvents("p1"), 0);
    assert.deepEqual(s.listRuns({ limit: 9 }).map((x) => x.run_id), ["p3", "p2", "p0"]);
  },
};

for (const [backend, make] of Object.entries(backends)) {
  for (const [name, fn] of Object.entries(cases)) {
    const skip = backend === "postgres" && !pgAvailable();
    Deno.test({
      name: `store conformance [${backend}]: ${name}${skip ? ` (skipped: ${PG_MISSING})` : ""}`,
      ignore: skip,
      sanitizeResources: false,
      sanitizeOps: false,
      fn: async () => {
        const s = await make();
        opened.push(s);
        try {
          fn(s);
        } finally {
          s.close();
        }
      },
    });
  }
}

Deno.test({
  name: "store conformance: stop the PostgreSQL server",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await pg?.stop();
  },
});
