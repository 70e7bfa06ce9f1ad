/**
 * `cancel --grace S` is the grace the run gets, shorter or longer than kill_grace_seconds, for
 * command and TypeScript tasks; a foreground Ctrl-C says at once that it is stopping the task,
 * and a second one kills the task's group immediately (issue 12.16). No timing asserts: each
 * bound is far from the other case's (seconds vs a minute).
 */
import assert from "node:assert/strict";
import { exists, type Home, pidAlive, until, withHome } from "./helpers.ts";

/**
 * The host pid of the task's shell (its `$0` is `marker`), once it has set its trap and said
 * `ready` in the run's log. Jailed, the shell's own `$$` is a PID-namespace pid and the jail
 * hides /tmp, so the host pid is found in the host's /proc (bwrap's own argv holds the
 * marker too: skipped).
 */
async function readyShell(h: Home, marker: string): Promise<number> {
  const logs = `${h.dir}/logs`;
  await until(
    () => {
      try {
        return [...Deno.readDirSync(logs)].some((e) =>
          e.name.endsWith(".log") && /^ready$/m.test(Deno.readTextFileSync(`${logs}/${e.name}`))
        );
      } catch {
        return false;
      }
    },
    20000,
    "the task's trap to be set",
  );
  const found: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (argv.includes(marker) && !argv[0]!.endsWith("bwrap")) found.push(Number(e.name));
    } catch {
      // gone meanwhile
    }
  }
  assert.equal(found.length, 1, `one shell carries ${marker}: ${found}`);
  return found[0]!;
}

Deno.test("cancel --grace shorter than kill_grace_seconds: the group is killed after it", async () => {
  await withHome(async (h) => {
    const marker = `stubborn-${crypto.randomUUID()}`;
    h.config(`tasks:
  stubborn:
    type: command
    command: ["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done", "${marker}"]
    kill_grace_seconds: 120
`);
    const r = (await h.run(["--json", "run", "stubborn", "--async"])).json;
    const pid = await readyShell(h, marker);
    const c = await h.run(["--json", "cancel", r.run_id, "--grace", "1"]);
    assert.equal(c.json.status, "cancelled", JSON.stringify(c.json));
    assert.ok(
      !/runner did not stop in time/.test(c.json.summary),
      `the runner itself stopped the task after the grace: ${c.json.summary}`,
    );
    // With the default grace this would take 120 s; the cancel returned with it dead.
    assert.ok(!pidAlive(pid), "killed after the 1 s grace, not kill_grace_seconds");
    assert.ok(!exists(`${h.dir}/logs/${r.run_id}.cancel-grace`), "the request file is removed");
  });
});

Deno.test("cancel --grace longer than kill_grace_seconds lets the task finish its clean-up", async () => {
  await withHome(async (h) => {
    // Jailed: the marks go to a declared write (the jail hides the rest of /tmp).
    const out = `${h.dir}/out`;
    const done = `${out}/cleaned`;
    const started = `${out}/started`;
    h.config(`tasks:
  slowstop:
    type: command
    destructive: true
    writes: ["${out}"]
    command: ["sh", "-c", "trap 'sleep 3; echo ok > ${done}; exit 0' TERM; touch ${started}; while :; do sleep 0.2; done"]
    kill_grace_seconds: 1
  tsstop:
    timeout_seconds: 300
    kill_grace_seconds: 1
`);
    h.task(
      "tsstop",
      `{ description: "d", run(_c, ctx) {
        ctx.event("started");
        return new Promise((ok) => ctx.signal.addEventListener("abort", () => setTimeout(() => {
          ctx.event("cleaned"); ok({ ok: false, summary: "stopped cleanly" }); }, 3000)));
      } }`,
    );
    // Command task: its TERM trap takes 3 s, beyond kill_grace_seconds: 1.
    const r = (await h.run(["--json", "run", "slowstop", "--async"])).json;
    await until(() => exists(started), 10000, "task started");
    const c = await h.run(["--json", "cancel", r.run_id, "--grace", "30"]);
    assert.equal(c.json.status, "cancelled");
    assert.equal(Deno.readTextFileSync(done).trim(), "ok", "the clean-up ran to its end");
    // TypeScript task: the harness's own deadline follows --grace too.
    const t = (await h.run(["--json", "run", "tsstop", "--async"])).json;
    await until(
      async () => {
        const e = await h.run(["--json", "events", t.run_id]);
        return e.json.events.some((x: { event_type: string }) => x.event_type === "started");
      },
      20000,
      "ts task started",
    );
    const tc = await h.run(["--json", "cancel", t.run_id, "--grace", "30"]);
    assert.equal(tc.json.status, "cancelled");
    const ev = await h.run(["--json", "events", t.run_id]);
    const types = ev.json.events.map((x: { event_type: string }) => x.event_type);
    assert.ok(types.includes("cleaned"), `clean-up event recorded: ${types}`);
  });
});

Deno.test("foreground Ctrl-C says at once it is stopping the task; a second kills it now", async () => {
  await withHome(async (h) => {
    const marker = `fg-${crypto.randomUUID()}`;
    h.config(`tasks:
  fg:
    type: command
    command: ["sh", "-c", "trap '' TERM INT; echo ready; while :; do sleep 1; done", "${marker}"]
    kill_grace_seconds: 120
`);
    const child = h.spawn(["--json", "run", "fg"]);
    const pid = await readyShell(h, marker);
    let stderr = "";
    const reader = child.stderr.getReader();
    const pump = (async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        stderr += new TextDecoder().decode(value);
      }
    })();
    child.kill("SIGINT");
    await until(() => /stopping fg/.test(stderr), 10000, "the stopping message");
    assert.match(stderr, /press Ctrl-C again to kill it now/);
    assert.ok(pidAlive(pid), "the first Ctrl-C gives the grace (the task ignores TERM)");
    child.kill("SIGINT");
    const status = await child.status;
    await pump;
    const out = new TextDecoder().decode(
      await new Response(child.stdout).arrayBuffer().then((b) => new Uint8Array(b)),
    );
    assert.equal(status.code, 1);
    assert.equal(JSON.parse(out).status, "cancelled");
    assert.match(stderr, /killing fg now/);
    assert.ok(!pidAlive(pid), "killed without waiting out kill_grace_seconds (120 s)");
  });
});
