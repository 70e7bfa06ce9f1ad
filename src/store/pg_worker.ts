/**
 * The PostgreSQL store's worker thread: it owns the driver (npm:postgres, loaded only here, so
 * only when the backend is configured) and answers the main thread, which waits on a shared
 * buffer (src/store/pg_bridge.ts) so the Store interface stays synchronous. Its own timer
 * extends this process's lock leases and run heartbeats while the process lives.
 */
// deno-lint-ignore-file no-explicit-any
import { parentPort, workerData } from "node:worker_threads";
import postgres from "postgres";
import * as ops from "./pg_ops.ts";
import * as more from "./pg_ops_more.ts";

const d = workerData as {
  url: string;
  hostId: string;
  pid: number;
  beatMs: number;
  staleMs: number;
  connectTimeoutS: number;
  ctl: SharedArrayBuffer;
};
const sql = postgres(d.url, {
  max: 2,
  connect_timeout: d.connectTimeoutS,
  idle_timeout: 0,
  onnotice: () => {},
  // docket's own names only; no PG* fallbacks beyond what the URL says
  connection: { application_name: `docket@${d.hostId}` },
});
const ctx: ops.Ctx = { sql, hostId: d.hostId, pid: d.pid, staleMs: d.staleMs };
const ctl = new Int32Array(d.ctl);
let buf: SharedArrayBuffer | undefined;
let pending: Uint8Array | undefined;

const table: Record<string, (...a: any[]) => Promise<unknown>> = {
  open: () => ops.open(ctx),
  insertRun: (r) => ops.insertRun(ctx, r),
  setRunner: (id, f) => ops.setRunner(ctx, id, f),
  finishRun: (id, f, only) => ops.finishRun(ctx, id, f, only),
  requestCancel: (id, at) => ops.requestCancel(ctx, id, at),
  setHooks: (id, h) => ops.setHooks(ctx, id, h),
  getRun: (id) => ops.getRun(ctx, id),
  listRuns: (q) => ops.listRuns(ctx, q),
  latestPerTask: () => ops.latestPerTask(ctx),
  activeRuns: () => ops.activeRuns(ctx),
  appendEvents: (id, t, f, e) => more.appendEvents(ctx, id, t, f, e),
  listEvents: (id, f, l) => more.listEvents(ctx, id, f, l),
  countEvents: (id) => more.countEvents(ctx, id),
  lockGet: (t) => more.lockGet(ctx, t),
  lockTake: (h, e) => more.lockTake(ctx, h, e),
  transfer: (t, id, p, s) => more.transfer(ctx, t, id, p, s),
  release: (t, id) => more.release(ctx, t, id),
  listLocks: () => more.listLocks(ctx),
  pruneCandidates: (k, c) => more.pruneCandidates(ctx, k, c),
  deleteRuns: (k, c) => more.deleteRuns(ctx, k, c),
  health: () => more.health(ctx),
  beat: () => ops.beat(ctx),
};

function answer(state: number, body: Uint8Array) {
  if (!buf || body.length > buf.byteLength) {
    pending = body;
    ctl[1] = body.length;
    state = 2; // the main thread sends a larger buffer
  } else {
    new Uint8Array(buf).set(body);
    ctl[1] = body.length;
  }
  Atomics.store(ctl, 0, state);
  Atomics.notify(ctl, 0);
}

parentPort!.on("message", async (m: any) => {
  if (m.buf) buf = m.buf;
  if (!m.op && !m.resend) return;
  if (m.resend && pending) {
    const p = pending;
    pending = undefined;
    return answer(1, p);
  }
  let out: unknown;
  try {
    const fn = table[m.op];
    if (!fn) throw new Error(`unknown op ${m.op}`);
    out = { ok: true, value: (await fn(...m.args)) ?? null };
  } catch (e: any) {
    out = {
      ok: false,
      message: String(e?.message ?? e),
      code: e?.code ?? null,
      newer: e instanceof ops.SchemaNewer,
    };
  }
  answer(1, new TextEncoder().encode(JSON.stringify(out)));
});

const timer = setInterval(() => {
  ops.beat(ctx).catch(() => {
    // an unreachable server: the lease runs out, as it must for a host that cannot renew it
  });
}, d.beatMs);
void timer;
