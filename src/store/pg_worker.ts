/**
 * The PostgreSQL store's worker thread: it owns the driver (npm:postgres, loaded only here, so
 * only when the backend is configured) and answers the main thread, which waits on a shared
 * buffer (src/store/pg_bridge.ts) so the Store interface stays synchronous. Its own timer
 * extends this process's lock leases and run heartbeats while the process lives.
 */
// deno-lint-ignore-file no-explicit-any
import { parentPort, workerData } from "node:worker_threads";
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
// Loaded here, not statically: a driver that cannot load is an answer, not a silent worker.
const ready: Promise<ops.Ctx> = import("postgres").then(({ default: postgres }) => ({
  sql: postgres(d.url, {
    max: 2,
    connect_timeout: d.connectTimeoutS,
    idle_timeout: 0,
    // one round trip less per process: no array types are used (ids travel as JSON)
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: `docket@${d.hostId}` },
  }),
  hostId: d.hostId,
  pid: d.pid,
  staleMs: d.staleMs,
}));
ready.catch(() => {}); // reported by the first call
const ctl = new Int32Array(d.ctl);
let buf: SharedArrayBuffer | undefined;
let pending: Uint8Array | undefined;

type Op = (ctx: ops.Ctx, ...a: any[]) => Promise<unknown>;
const table: Record<string, Op> = {
  open: (ctx) => ops.open(ctx),
  insertRun: (ctx, r) => ops.insertRun(ctx, r),
  setRunner: (ctx, id, f) => ops.setRunner(ctx, id, f),
  finishRun: (ctx, id, f, only) => ops.finishRun(ctx, id, f, only),
  requestCancel: (ctx, id, at) => ops.requestCancel(ctx, id, at),
  setHooks: (ctx, id, h) => ops.setHooks(ctx, id, h),
  getRun: (ctx, id) => ops.getRun(ctx, id),
  listRuns: (ctx, q) => ops.listRuns(ctx, q),
  latestPerTask: (ctx) => ops.latestPerTask(ctx),
  activeRuns: (ctx) => ops.activeRuns(ctx),
  appendEvents: (ctx, id, t, f, e) => more.appendEvents(ctx, id, t, f, e),
  listEvents: (ctx, id, f, l) => more.listEvents(ctx, id, f, l),
  countEvents: (ctx, id) => more.countEvents(ctx, id),
  lockGet: (ctx, t) => more.lockGet(ctx, t),
  lockTake: (ctx, h, e) => more.lockTake(ctx, h, e),
  transfer: (ctx, t, id, p, s) => more.transfer(ctx, t, id, p, s),
  release: (ctx, t, id) => more.release(ctx, t, id),
  listLocks: (ctx) => more.listLocks(ctx),
  pruneCandidates: (ctx, k, c) => more.pruneCandidates(ctx, k, c),
  deleteRuns: (ctx, k, c) => more.deleteRuns(ctx, k, c),
  health: (ctx) => more.health(ctx),
  beat: (ctx) => ops.beat(ctx),
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
    let ctx: ops.Ctx;
    try {
      ctx = await ready;
    } catch (e: any) {
      throw new Error(`cannot load the PostgreSQL driver (npm:postgres): ${e?.message ?? e}`);
    }
    out = { ok: true, value: (await fn(ctx, ...m.args)) ?? null };
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
  ready.then((ctx) => ops.beat(ctx)).catch(() => {
    // an unreachable server: the lease runs out, as it must for a host that cannot renew it
  });
}, d.beatMs);
void timer;
