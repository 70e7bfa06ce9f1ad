/**
 * Lost-run bookkeeping against the in-memory store (no database, no processes spawned): the
 * seam a shared backend uses. A run of another host is judged by what the store says of its
 * heartbeat (`host_alive`), never by a local pid.
 */
import { strict as assert } from "node:assert";
import { MemoryStore } from "../store/memory.ts";
import type { RunRow } from "../core/store.ts";
import { selfIdentity } from "../core/proc.ts";
import { reconcile } from "./reconcile.ts";
import { holderAlive } from "./liveness.ts";

function row(id: string, over: Partial<RunRow>): RunRow {
  return {
    run_id: id,
    task_name: id,
    status: "running",
    exit_code: null,
    summary: "",
    details: {},
    error: null,
    started_at: new Date(Date.now() - 120_000).toISOString(),
    finished_at: null,
    duration_ms: null,
    dry_run: false,
    attempts: 1,
    async: true,
    runner_pid: null,
    runner_start: null,
    runner_ns: null,
    task_pid: null,
    task_start: null,
    cancel_requested_at: null,
    log_path: null,
    overrides: {},
    hooks: [],
    admission: null,
    ...over,
  };
}

/** What a shared store says of runs named remote_*: another host's, beating or not. */
class TwoHosts extends MemoryStore {
  override activeRuns(): RunRow[] {
    return super.activeRuns().map((r) =>
      r.run_id.startsWith("remote")
        ? { ...r, host_id: "other", host_alive: r.run_id === "remote_beating" }
        : r
    );
  }
}

Deno.test("reconcile (memory store): a dead local runner is lost; another host's run follows its heartbeat", () => {
  const s = new TwoHosts();
  const me = selfIdentity();
  // this process: alive; pid 2^22+1 cannot exist: dead
  s.insertRun(row("live", { runner_pid: me.pid, runner_start: me.start }));
  s.insertRun(row("dead", { runner_pid: 4194305, runner_start: "1" }));
  // another host's runs: this process's pid would look alive here, the store says otherwise
  s.insertRun(row("remote_beating", { runner_pid: me.pid, runner_start: me.start }));
  s.insertRun(row("remote_silent", { runner_pid: me.pid, runner_start: me.start }));
  s.acquire({
    task_name: "dead",
    run_id: "dead",
    pid: 4194305,
    pid_start: "1",
    acquired_at: "x",
  }, () => false);
  assert.equal(reconcile(s), 1, "only the local dead run is cleaned");
  const st = (id: string) => s.getRun(id)!.status;
  assert.equal(st("live"), "running");
  assert.equal(st("dead"), "lost");
  assert.equal(st("remote_beating"), "running", "its pid is not looked at");
  assert.equal(st("remote_silent"), "lost", "a silent heartbeat is a dead runner");
  assert.equal(s.list().length, 0, "the lost run's lock is freed");
});

Deno.test("holderAlive (memory store): another host's lock holder is alive only while its run beats", () => {
  const s = new MemoryStore();
  const me = selfIdentity();
  const h = { task_name: "t", run_id: "r", pid: me.pid, pid_start: me.start, acquired_at: "x" };
  const get = (alive: boolean) => (id: string) =>
    id === "r" ? { ...row("r", {}), host_id: "other", host_alive: alive } : undefined;
  assert.equal(holderAlive(get(true), h), true);
  assert.equal(holderAlive(get(false), h), false, "a live local pid does not keep it");
  // positive control: the same holder on this host is judged by its (live) process
  assert.equal(holderAlive((id) => s.getRun(id), h), true);
});
