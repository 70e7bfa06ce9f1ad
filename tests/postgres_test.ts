/**
 * The PostgreSQL backend end to end: the real `docket` in two homes sharing one database on a
 * real server (started here) act as two hosts.
 */
import { strict as assert } from "node:assert";
import { Home, until } from "./helpers.ts";
import { PG_MISSING, pgAvailable, type PgServer, startPg } from "./pg_server.ts";

const skip = !pgAvailable();
if (skip) console.log(`postgres_test: skipped: ${PG_MISSING}`);
let pg: PgServer | undefined;
let dbs = 0;

const SLOW = `  slow:\n    type: command\n    command: ["sh", "-c", "sleep 3; echo done"]\n`;

async function hosts(n: number, tasks = SLOW, extraEnv: Record<string, string> = {}) {
  pg ??= await startPg();
  const url = await pg.createDb(`e${++dbs}`);
  return Array.from({ length: n }, (_, i) => {
    const h = new Home();
    h.env.DOCKET_PG_URL = url;
    Object.assign(h.env, extraEnv);
    h.config(
      `state: { backend: postgres, url_env: DOCKET_PG_URL }\nhost_id: host${i}\ntasks:\n${tasks}`,
    );
    return h;
  });
}

function psql(url: string, sql: string): Promise<Deno.CommandOutput> {
  return new Deno.Command("psql", { args: [url, "-qtAc", sql], stdout: "piped", stderr: "piped" })
    .output();
}

function test(name: string, fn: () => Promise<void>) {
  Deno.test({
    name: `postgres: ${name}${skip ? ` (skipped: ${PG_MISSING})` : ""}`,
    ignore: skip,
    fn,
  });
}

test("two hosts racing the same task: one run, one lock_held naming the holder host; runs --host", async () => {
  const [a, b] = await hosts(2);
  try {
    const [ra, rb] = await Promise.all([
      a!.run(["--json", "run", "slow"]),
      b!.run(["--json", "run", "slow"]),
    ]);
    const all = [ra, rb];
    const won = all.filter((r) => r.code === 0);
    const lost = all.filter((r) => r.code !== 0);
    assert.equal(won.length, 1, ra.stdout + rb.stdout);
    assert.equal(lost.length, 1, ra.stdout + rb.stdout);
    assert.equal(lost[0]!.json.error.kind, "lock_held", lost[0]!.stdout);
    const winner = won[0] === ra ? "host0" : "host1";
    assert.equal(won[0]!.json.host, winner);
    assert.equal(lost[0]!.json.error.details.holder_host, winner);
    assert.match(lost[0]!.json.error.message, new RegExp(`on host ${winner}`));
    // one history: both hosts see the one run, with its host; --host filters
    for (const h of [a!, b!]) {
      const runs = await h.run(["--json", "runs"]);
      assert.deepEqual(runs.json.runs.map((r: { host: string }) => r.host), [winner]);
    }
    const other = winner === "host0" ? "host1" : "host0";
    assert.equal((await a!.run(["--json", "runs", "--host", winner])).json.runs.length, 1);
    assert.equal((await a!.run(["--json", "runs", "--host", other])).json.runs.length, 0);
    // after it finished, the other host takes the lock: a second run from the loser's home
    const again = await (winner === "host0" ? b! : a!).run(["--json", "run", "slow"]);
    assert.equal(again.code, 0, again.stdout);
    assert.equal(again.json.host, other);
    const st = await a!.run(["--json", "status", "slow"]);
    assert.equal(st.json.last_run.host, other);
    const human = await a!.run(["runs"]);
    assert.match(human.stdout, /HOST/);
    const caps = await a!.run(["--json", "capabilities"]);
    assert.deepEqual(caps.json.state, { backend: "postgres", url_env: "DOCKET_PG_URL" });
    assert.equal(caps.json.host_id, "host0");
  } finally {
    a!.cleanup();
    b!.cleanup();
  }
});

test("events streamed by one host are followed from the other: ordered, none lost or doubled", async () => {
  const N = 3000;
  const [a, b] = await hosts(2, "");
  try {
    a!.task(
      "ticks",
      `{ description: "d", async run(_c, ctx) { for (let i = 0; i < ${N}; i++) {
        ctx.event("tick", { i }); if (i % 250 === 0) await new Promise((r) => setTimeout(r, 30)); }
        return { ok: true, summary: "ticked" }; } }`,
    );
    const r = await a!.run(["--json", "run", "ticks", "--async"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = await b!.spawn(["--json", "events", r.json.run_id, "--follow"]).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) => JSON.parse(l));
    const end = lines.pop();
    assert.equal(end.type, "end");
    assert.equal(end.status, "succeeded");
    const ticks = lines.filter((e) => e.event_type === "tick");
    assert.equal(ticks.length, N);
    assert.deepEqual(ticks.map((e) => e.event.i), [...Array(N).keys()], "in order, each once");
    const idx = lines.map((e) => e.event_index);
    assert.deepEqual(idx, [...idx].sort((x, y) => x - y), "in order");
    assert.equal(new Set(idx).size, idx.length, "no duplicates");
    const st = await b!.run(["--json", "status", "--run-id", r.json.run_id]);
    assert.equal(st.json.run.status, "succeeded");
    assert.equal(st.json.run.host, "host0");
    const page = await b!.run(["--json", "events", r.json.run_id, "--limit", "5"]);
    assert.equal(page.json.host, "host0");
    assert.equal(page.json.total, N);
  } finally {
    a!.cleanup();
    b!.cleanup();
  }
});

test("a host killed -9 loses its lock when the lease expires; its run becomes lost elsewhere", async () => {
  const [a, b] = await hosts(2, `  long:\n    type: command\n    command: ["sleep", "30"]\n`, {
    DOCKET_HEARTBEAT_MS: "200",
  });
  let taskPid = 0;
  try {
    const r = await a!.run(["--json", "run", "long", "--async"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    let runner = 0;
    await until(
      async () => {
        const s = await b!.run(["--json", "status", "--run-id", r.json.run_id]);
        runner = s.json.run.pid ?? 0;
        return runner > 0;
      },
      15000,
      "the runner to start",
    );
    // alive: the other host is refused, naming the holder host
    const held = await b!.run(["--json", "run", "long"]);
    assert.equal(held.json.error?.kind, "lock_held", held.stdout);
    assert.equal(held.json.error.details.holder_host, "host0");
    // another host's runner is never signalled from here
    const c = await b!.run(["--json", "cancel", r.json.run_id]);
    assert.equal(c.json.error?.kind, "not_supported", c.stdout);
    assert.match(c.json.error.message, /on host host0/);
    await until(
      async () => {
        const q = await psql(
          a!.env.DOCKET_PG_URL!,
          `SELECT task_pid FROM runs WHERE run_id = '${r.json.run_id}'`,
        );
        taskPid = Number(new TextDecoder().decode(q.stdout).trim()) || 0;
        return taskPid > 0;
      },
      15000,
      "the task to start",
    );
    Deno.kill(runner, "SIGKILL");
    await until(
      async () => {
        const s = await b!.run(["--json", "status", "--run-id", r.json.run_id]);
        return s.json.run.status === "lost";
      },
      15000,
      "the run to be lost once its heartbeat stops",
    );
    const locks = await psql(a!.env.DOCKET_PG_URL!, "SELECT count(*) FROM locks");
    assert.equal(
      new TextDecoder().decode(locks.stdout).trim(),
      "0",
      "the dead host's lock is gone",
    );
    // the lease is gone: host1 may run the task now (positive control of the refusal above)
    const next = b!.spawn(["--json", "run", "long", "--async"]);
    const got = await next.output();
    const receipt = JSON.parse(new TextDecoder().decode(got.stdout));
    assert.equal(receipt.ok, true, JSON.stringify(receipt));
    await b!.run(["--json", "cancel", receipt.run_id]);
  } finally {
    // the killed runner's task (`sleep 30`, its own process group) is host1's to leave alone:
    // this test started it, so it ends it, by its id
    if (taskPid > 0) {
      try {
        Deno.kill(-taskPid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    a!.cleanup();
    b!.cleanup();
  }
});

test("the server stops mid-run: the outcome waits in the local spool, delivered once it is back", async () => {
  const [h] = await hosts(
    1,
    `  mid:\n    type: command\n    command: ["sh", "-c", "sleep 2; echo ok"]\n`,
    {
      DOCKET_RECORD_RETRY_MS: "300",
    },
  );
  try {
    const r = await h!.run(["--json", "run", "mid", "--async"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    let runner = 0;
    await until(
      async () => {
        const s = await h!.run(["--json", "status", "--run-id", r.json.run_id]);
        runner = s.json.run.pid ?? 0;
        return runner > 0;
      },
      15000,
      "the runner to start",
    );
    await pg!.pause();
    try {
      const down = await h!.run(["--json", "status"]);
      assert.equal(down.json.error.kind, "state_error", down.stdout);
      const spool = r.json.log_path.replace(/\.log$/, ".outcome.json");
      await until(
        () => {
          try {
            return Deno.statSync(spool).isFile && !alive(runner);
          } catch {
            return false;
          }
        },
        60000,
        "the runner to spool its outcome and exit",
      );
    } finally {
      await pg!.resume();
    }
    const s = await h!.run(["--json", "status", "--run-id", r.json.run_id]);
    assert.equal(s.json.run.status, "succeeded", s.stdout);
    assert.equal(s.json.run.exit_code, 0);
  } finally {
    h!.cleanup();
  }
});

function alive(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch {
    return false;
  }
}

test("unreachable server: a clear state_error, exit 1, nothing recorded; doctor says so", async () => {
  const h = new Home();
  try {
    h.env.DOCKET_PG_URL = "postgres://postgres@127.0.0.1:1/docket";
    h.config(`state: { backend: postgres }\ntasks:\n${SLOW}`);
    for (const args of [["run", "slow"], ["status"], ["runs"]]) {
      const r = await h.run(["--json", ...args]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.json.error.kind, "state_error", r.stdout);
      assert.match(r.json.error.message, /unreachable/);
      assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");
    }
    const d = await h.run(["--json", "doctor"]);
    const check = d.json.checks.find((c: { name: string }) => c.name === "state db");
    assert.equal(check.status, "fail", JSON.stringify(d.json));
    assert.match(check.message, /unreachable/);
    // no SQLite file was written instead
    assert.throws(() => Deno.statSync(h.stateDb));
  } finally {
    h.cleanup();
  }
});

test("config: a literal URL is refused, url_env must name a variable; doctor shows the schema; a newer schema is refused", async () => {
  const [h] = await hosts(1);
  try {
    h!.config(`state: { backend: postgres, url: "postgres://u:secret@db/x" }\n`);
    const lit = await h!.run(["--json", "status"]);
    assert.equal(lit.json.error.kind, "config_invalid", lit.stdout);
    assert.doesNotMatch(lit.stdout, /secret/);
    h!.config(`state: { backend: postgres, url_env: "postgres://u:secret@db/x" }\n`);
    const env = await h!.run(["--json", "status"]);
    assert.equal(env.json.error.kind, "config_invalid", env.stdout);
    h!.config(`state: { backend: postgres }\nhost_id: h0\n`);
    const d = await h!.run(["--json", "doctor"]);
    const check = d.json.checks.find((c: { name: string }) => c.name === "state db");
    assert.equal(check.status, "ok", JSON.stringify(check));
    assert.match(check.message, /schema v1\/1/);
    assert.doesNotMatch(check.message, /secret/);
    const url = h!.env.DOCKET_PG_URL!;
    // a role that may only read: doctor names the tables it cannot write
    const role = await psql(
      url,
      "CREATE ROLE reader LOGIN; GRANT SELECT ON docket_schema, runs, task_state, locks TO reader",
    );
    assert.ok(role.success, new TextDecoder().decode(role.stderr));
    const ro = await h!.run(["--json", "doctor"], {
      env: { DOCKET_PG_URL: url.replace("postgres@", "reader@") },
    });
    const roCheck = ro.json.checks.find((c: { name: string }) => c.name === "state db");
    assert.equal(roCheck.status, "fail", JSON.stringify(roCheck));
    assert.match(
      roCheck.message,
      /lacks INSERT, UPDATE, DELETE on runs; SELECT, INSERT, UPDATE, DELETE on events; INSERT, UPDATE, DELETE on locks/,
    );
    const up = await psql(url, "UPDATE docket_schema SET version = 99");
    assert.ok(up.success, new TextDecoder().decode(up.stderr));
    const st = await h!.run(["--json", "status"]);
    assert.equal(st.json.error.kind, "state_error", st.stdout);
    assert.match(st.json.error.message, /newer than this docket/);
  } finally {
    h!.cleanup();
  }
});

test("SQLite users load no PostgreSQL code: main.ts's start-up graph has neither driver nor bridge", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL("../main.ts", import.meta.url).pathname],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout));
  // Follow only the edges that load code at run time (a `typeof import()` is a type edge).
  // deno-lint-ignore no-explicit-any
  const mods = new Map<string, any>(graph.modules.map((m: any) => [m.specifier, m]));
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of mods.get(s)?.dependencies ?? []) if (d.code?.specifier) walk(d.code.specifier);
  };
  walk(graph.roots[0]);
  assert.ok([...seen].some((s) => s.endsWith("src/cli/main.ts")), "the walk reaches the CLI");
  for (const s of seen) assert.ok(!/postgres|src\/store\/pg_/.test(s), s);
  // and the store SQLite commands open reaches no PostgreSQL module either
  seen.clear();
  const open = [...mods.keys()].find((s) => s.endsWith("src/store/open.ts"));
  if (open) walk(open);
  for (const s of seen) assert.ok(!/postgres|src\/store\/pg_/.test(s), s);
});

Deno.test({
  name: "postgres: stop the server",
  ignore: skip,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await pg?.stop();
  },
});
