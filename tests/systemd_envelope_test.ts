/**
 * The hardened units still work: each generated service's exact ExecStart= runs inside a
 * bubblewrap jail that reproduces the unit's view (tests/unit_envelope.ts says what is and is
 * not emulated), and the run is then read back from outside with the real docket.
 */
import assert from "node:assert/strict";
import { Home, loopbackServer } from "./helpers.ts";
import { exampleConfig, varBase } from "./systemd_fixture.ts";
import { runInEnvelope } from "./unit_envelope.ts";

const EXTRA = (base: string, home: string) => `
  hello:
    schedule: "@daily"
  hooked:
    type: command
    command: ["true"]
    network: false
    schedule: "@daily"
    on_success: "echo fired > ${home}/logs/hook-fired"
  write-outside:
    type: command
    command: ["sh", "-c", "echo x > ${base}/outside/file"]
    network: false
    schedule: "@daily"
  tamper:
    type: command
    command: ["sh", "-c", "echo '# x' >> ${home}/config.yaml"]
    network: false
    schedule: "@daily"
    sandbox: { os: off }
  write-granted:
    type: command
    command: ["sh", "-c", "echo x > ${base}/outside/file"]
    network: false
    destructive: true
    writes: [${base}/outside]
    schedule: "@daily"
`;

interface Env {
  base: string;
  h: Home;
  unit: (task: string) => string;
}

async function withUnits(port: number, fn: (e: Env) => Promise<void>): Promise<void> {
  const base = varBase();
  try {
    const h = new Home(base);
    for (const d of ["src/sub", "dest", "outside"]) {
      Deno.mkdirSync(`${base}/${d}`, { recursive: true });
    }
    Deno.writeTextFileSync(`${base}/src/a.txt`, "alpha\n");
    Deno.writeTextFileSync(`${base}/src/sub/b.txt`, "beta\n");
    h.config(exampleConfig(base, port) + EXTRA(base, h.dir));
    // A Deno drop-in without exec: its unit gets ProtectHome=tmpfs with DENO_DIR bound back.
    h.task("hello", `{ description: "Say hello", run: () => ({ ok: true, summary: "hi" }) }`);
    const dir = `${base}/units`;
    const r = await h.run(["--json", "install", "--system", "--dir", dir]);
    assert.equal(r.code, 0, r.stderr);
    await fn({ base, h, unit: (t) => Deno.readTextFileSync(`${dir}/docket-${t}.service`) });
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
}

/** The task's last run as recorded in the state DB, read by the real docket from outside. */
async function lastRun(h: Home, task: string) {
  const r = await h.run(["--json", "runs", task, "--limit", "1"]);
  assert.equal(r.code, 0, r.stderr);
  return r.json.runs[0];
}

Deno.test("hardened units run their task in the emulated envelope: result, log, hook, backup, notification", async () => {
  const server = loopbackServer();
  try {
    await withUnits(server.port, async ({ base, h, unit }) => {
      assert.match(unit("hello"), /^ProtectHome=tmpfs$/m);
      for (const task of ["disk-report", "health-check", "backup", "announce", "hooked", "hello"]) {
        const r = await runInEnvelope(unit(task));
        assert.equal(r.code, 0, `${task}: ${r.stdout}\n${r.stderr}`);
        assert.equal(JSON.parse(r.stdout).status, "succeeded", task);
        const run = await lastRun(h, task);
        assert.equal(run.status, "succeeded", task);
        assert.ok(Deno.statSync(run.log_path).isFile, `${task}: no log at ${run.log_path}`);
      }
      const df = await lastRun(h, "disk-report");
      assert.match(Deno.readTextFileSync(df.log_path), /Filesystem/);
      assert.equal(Deno.readTextFileSync(`${h.dir}/logs/hook-fired`), "fired\n");
      assert.equal(Deno.readTextFileSync(`${base}/dest/a.txt`), "alpha\n");
      assert.equal(Deno.readTextFileSync(`${base}/dest/sub/b.txt`), "beta\n");
      assert.deepEqual(server.hits, ["POST /hook"]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("a task writing a path its unit does not grant (or the config) fails, recorded with the reason; granted, it writes", async () => {
  await withUnits(9, async ({ base, h, unit }) => {
    const denied = await runInEnvelope(unit("write-outside"));
    assert.equal(denied.code, 1, denied.stderr);
    const out = JSON.parse(denied.stdout);
    assert.equal(out.status, "failed");
    assert.match(out.details.stderr, /Read-only file system/);
    const run = await lastRun(h, "write-outside");
    assert.deepEqual([run.status, run.run_id], ["failed", out.run_id]);
    assert.ok(run.finished_at, "the run is finished, not left running");
    assert.throws(() => Deno.statSync(`${base}/outside/file`), Deno.errors.NotFound);
    // The config steers docket: read-only even inside the writable DOCKET_HOME (the unit's
    // ReadWritePaths= holds the state DB's folder). A grant of the home is refused before any
    // run (grant_refused), so the task is unjailed instead: the unit's ReadOnlyPaths= alone
    // must hold it.
    const before = Deno.readTextFileSync(`${h.dir}/config.yaml`);
    const tamper = JSON.parse((await runInEnvelope(unit("tamper"))).stdout);
    assert.equal(tamper.status, "failed");
    assert.match(tamper.details.stderr, /Read-only file system/);
    assert.equal(Deno.readTextFileSync(`${h.dir}/config.yaml`), before);
    // Positive control: the same command, declared destructive with that write, writes it.
    const granted = await runInEnvelope(unit("write-granted"));
    assert.equal(granted.code, 0, granted.stdout);
    assert.equal(Deno.readTextFileSync(`${base}/outside/file`), "x\n");
  });
});

Deno.test("a PrivateNetwork unit reaches no host server; the network unit does", async () => {
  const server = loopbackServer();
  try {
    await withUnits(server.port, async ({ unit }) => {
      const probe = [
        Deno.execPath(),
        "eval",
        `await fetch("http://127.0.0.1:${server.port}/probe").then(() => console.log("reached"), (e) => console.log("refused", e.name))`,
      ];
      const off = await runInEnvelope(unit("disk-report"), probe);
      assert.match(off.stdout, /^refused/m, off.stderr);
      assert.deepEqual(server.hits, []);
      const on = await runInEnvelope(unit("announce"), probe);
      assert.match(on.stdout, /^reached/m, on.stderr);
      assert.deepEqual(server.hits, ["GET /probe"]);
    });
  } finally {
    await server.close();
  }
});

Deno.test("bubblewrap can build the task's jail inside the unit's envelope (and not without CAP_SETFCAP)", async () => {
  await withUnits(9, async ({ unit }) => {
    const jail = [
      "bwrap",
      "--unshare-user",
      "--unshare-net",
      "--unshare-pid",
      "--ro-bind",
      "/",
      "/",
      "--dev",
      "/dev",
      "--proc",
      "/proc",
      "--",
      "true",
    ];
    const offline = unit("disk-report");
    const r = await runInEnvelope(offline, jail);
    assert.equal(r.code, 0, r.stderr);
    // Control: a root unit without CAP_SETFCAP cannot map root into a user namespace.
    const noCap = offline.replace(/^CapabilityBoundingSet=.*$/m, "CapabilityBoundingSet=");
    const refused = await runInEnvelope(noCap, jail);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /uid map: Operation not permitted/);
  });
});

Deno.test("the envelope enforces SystemCallFilter=, RestrictAddressFamilies= and RestrictNamespaces= with seccomp", async () => {
  await withUnits(9, async ({ unit }) => {
    const offline = unit("disk-report");
    const status = await runInEnvelope(offline, ["grep", "^Seccomp:", "/proc/self/status"]);
    assert.match(status.stdout, /^Seccomp:\s+2$/m, status.stderr);
    // @resources is denied: setpriority fails with EPERM (nice warns and runs the command).
    const nice = await runInEnvelope(offline, ["nice", "-n", "5", "true"]);
    assert.match(nice.stderr, /cannot set niceness: Operation not permitted/);
    // RestrictNamespaces=user mnt net pid: a UTS namespace is refused, a network one is not.
    const uts = await runInEnvelope(offline, ["unshare", "--user", "--uts", "true"]);
    assert.match(uts.stderr, /unshare failed: Operation not permitted/);
    const net = await runInEnvelope(offline, ["unshare", "--user", "--net", "true"]);
    assert.equal(net.code, 0, net.stderr);
    // AF_INET is refused without the network, allowed with it.
    const listen = [
      Deno.execPath(),
      "eval",
      `try { Deno.listen({ hostname: "127.0.0.1", port: 0 }).close(); console.log("listened") } catch (e) { console.log("refused", e.message) }`,
    ];
    const off = await runInEnvelope(offline, listen);
    assert.match(off.stdout, /^refused .*Address family not supported/m, off.stderr);
    const on = await runInEnvelope(unit("announce"), listen);
    assert.match(on.stdout, /^listened$/m, on.stderr);
  });
});
