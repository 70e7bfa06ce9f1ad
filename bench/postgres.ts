/**
 * `deno task bench:pg`: status and runs against PostgreSQL on loopback next to SQLite, same
 * history (200 finished runs of 10 tasks), medians of BENCH_ROUNDS (default 15) rounds after
 * 2 warm-ups. Starts its own server (tests/pg_server.ts); says so and exits when there is none.
 * Not a test: nothing fails on a slow host.
 */
import { Home } from "./homes.ts";
import { median, round, timeOnce } from "./measure.ts";
import { PG_MISSING, pgAvailable, startPg } from "../tests/pg_server.ts";
import { SqliteStore } from "../src/store/sqlite_store.ts";
import { PgStore } from "../src/store/postgres.ts";
import type { RunRow, Store } from "../src/core/store.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 15);

function fill(s: Store): void {
  for (let i = 0; i < 200; i++) {
    const id = `20260101T0000${String(i).padStart(8, "0")}Z-bench000`;
    const r: RunRow = {
      run_id: id,
      task_name: `t${i % 10}`,
      status: "running",
      exit_code: null,
      summary: "",
      details: {},
      error: null,
      started_at: "2026-01-01T00:00:00.000Z",
      finished_at: null,
      duration_ms: null,
      dry_run: false,
      attempts: 0,
      async: false,
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
    };
    s.insertRun(r);
    s.finishRun(id, {
      status: "succeeded",
      exit_code: 0,
      summary: "ok",
      details: {},
      error: null,
      finished_at: "2026-01-01T00:00:01.000Z",
      duration_ms: 1000,
      attempts: 1,
    });
  }
}

if (!pgAvailable()) {
  console.log(`bench:pg skipped: ${PG_MISSING}`);
  Deno.exit(0);
}
const pg = await startPg();
try {
  const tasks = Array.from(
    { length: 10 },
    (_, i) => `  t${i}: { type: command, command: ["true"] }`,
  )
    .join("\n");
  const lite = new Home("pg-bench-sqlite");
  lite.config(`tasks:\n${tasks}\n`);
  const remote = new Home("pg-bench-postgres");
  remote.env.DOCKET_PG_URL = pg.url;
  remote.config(`state: { backend: postgres }\nhost_id: bench\ntasks:\n${tasks}\n`);
  const s1 = new SqliteStore(lite.stateDb);
  fill(s1);
  s1.close();
  const s2 = new PgStore({
    url: pg.url,
    source: "bench",
    hostId: "bench",
    beatMs: 5000,
    staleMs: 30000,
  });
  fill(s2);
  s2.close();
  const rows: string[] = [];
  for (const cmd of [["--json", "status"], ["--json", "runs"]]) {
    const fig: Record<string, number> = {};
    for (const [name, h] of [["sqlite", lite], ["postgres", remote]] as const) {
      const ms: number[] = [];
      for (let i = 0; i < ROUNDS + 2; i++) {
        const s = await timeOnce(h.docket(...cmd));
        if (s.code !== 0) throw new Error(`${name} ${cmd.join(" ")}: ${s.stdout}${s.stderr}`);
        if (i >= 2) ms.push(s.ms);
      }
      fig[name] = median(ms);
    }
    rows.push(
      `${cmd[1]!.padEnd(8)} sqlite ${round(fig.sqlite!)} ms   postgres ${
        round(fig.postgres!)
      } ms   ` +
        `ratio ${(fig.postgres! / fig.sqlite!).toFixed(2)}`,
    );
  }
  console.log(`median of ${ROUNDS} rounds, 200 runs of 10 tasks:\n${rows.join("\n")}`);
} finally {
  await pg.stop();
}
