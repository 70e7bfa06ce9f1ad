/** `docket install` through the real CLI, its units checked by the real systemd-analyze. */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";
import { which } from "../src/core/which.ts";
import { isEphemeralDeno } from "../src/systemd/install_plan.ts";

const INSTALL_KEYS = ["dir", "enabled", "next_steps", "ok", "scope", "units", "warnings"];
const UNIT_KEYS = ["on_calendar", "service_path", "task", "timer_path", "written"];

async function analyze(args: string[]) {
  const out = await new Deno.Command("systemd-analyze", {
    args,
    env: { LC_ALL: "C" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function whySkip(): Promise<string | undefined> {
  try {
    await analyze(["--version"]);
    return undefined;
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? "systemd-analyze is not installed" : String(err);
  }
}
const skip = await whySkip();
if (skip) console.warn(`SKIPPING systemd-analyze checks of docket install: ${skip}`);

const CONFIG = `tasks:
  health-check:
    schedule: "30 4 1,15 * 5"
    timeout_seconds: 100
    retry: 2
    randomized_delay_seconds: 30
    max_memory_mb: 128
  sync:
    type: command
    command: ["true"]
    schedule: "*/15 9-17 * JAN-MAR MON-FRI"
    network: true
  offline:
    type: command
    command: ["true"]
    schedule: "@weekly"
    network: false
  hello:
    schedule: "0 3 * * *"
  unscheduled:
    type: command
    command: ["true"]
`;

const HELLO = `{ description: "Say hello", run: () => ({ ok: true, summary: "hi" }) }`;

Deno.test({
  name: "install --system --dir writes units that pass systemd-analyze verify and calendar",
  ignore: skip !== undefined,
  async fn() {
    await withHome(async (h) => {
      h.config(CONFIG);
      h.task("hello", HELLO);
      const dir = `${h.dir}/units`;
      const r = await h.run(["--json", "install", "--system", "--dir", dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(Object.keys(r.json).sort(), INSTALL_KEYS);
      assert.equal(r.json.scope, "system");
      assert.equal(r.json.dir, dir);
      assert.deepEqual(r.json.units.map((u: { task: string }) => u.task), [
        "health-check",
        "hello",
        "offline",
        "sync",
      ]);
      for (const u of r.json.units) {
        assert.deepEqual(Object.keys(u).sort(), UNIT_KEYS);
        assert.equal(u.written, true);
        const v = await analyze(["verify", u.timer_path, u.service_path]);
        assert.deepEqual({ code: v.code, stderr: v.stderr }, { code: 0, stderr: "" }, u.task);
        const timer = Deno.readTextFileSync(u.timer_path);
        const lines = timer.split("\n").filter((l) => l.startsWith("OnCalendar="));
        assert.deepEqual(lines.map((l) => l.slice("OnCalendar=".length)), u.on_calendar);
        for (const line of u.on_calendar) {
          const c = await analyze(["calendar", "--iterations=2", line]);
          assert.equal(c.code, 0, `systemd-analyze calendar rejected "${line}": ${c.stderr}`);
        }
        assert.equal((Deno.statSync(u.service_path).mode ?? 0) & 0o777, 0o644);
      }
      assert.deepEqual(r.json.next_steps, [
        "systemctl daemon-reload",
        "systemctl enable --now docket-health-check.timer docket-hello.timer " +
        "docket-offline.timer docket-sync.timer",
      ]);
      // No temporary files are left behind by the atomic writes.
      assert.equal([...Deno.readDirSync(dir)].length, 8);
    });
  },
});

Deno.test("install: the service runs this docket with the task's limits and hardening", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    h.task("hello", HELLO);
    const dir = `${h.dir}/units`;
    const cfg = `${h.dir}/config.yaml`;
    const r = await h.run(["--json", "install", "--system", "--dir", dir], {
      env: { DOCKET_CONFIG: cfg },
    });
    assert.equal(r.code, 0, r.stderr);
    const hc = Deno.readTextFileSync(`${dir}/docket-health-check.service`);
    const main = new URL("../main.ts", import.meta.url).pathname;
    const conf = new URL("../deno.json", import.meta.url).pathname;
    // Started from npx's cache (as on our machines), the unit names a `deno` on PATH.
    const self = Deno.execPath();
    const onPath = which("deno");
    const deno = isEphemeralDeno(self) && onPath && !isEphemeralDeno(onPath) ? onPath : self;
    assert.ok(
      hc.includes(`ExecStart=${deno} run -A --config ${conf} ${main} --json run health-check\n`),
      hc,
    );
    assert.ok(hc.includes(`WorkingDirectory=${h.dir}\n`));
    assert.ok(hc.includes(`Environment=DOCKET_HOME=${h.dir}\n`));
    assert.ok(hc.includes(`Environment=DOCKET_CONFIG=${cfg}\n`));
    // (100 s + 5 s kill grace) × 3 attempts + 2 s + 4 s backoff, + 60 s margin.
    assert.ok(hc.includes("TimeoutStartSec=381\n"), hc);
    // The task's 128 MiB heap plus 256 MiB for docket itself.
    assert.ok(hc.includes("MemoryMax=384M\n"));
    assert.ok(hc.includes("PrivateNetwork=yes\n"));
    assert.ok(hc.includes("ProtectSystem=strict\n"));
    const timer = Deno.readTextFileSync(`${dir}/docket-health-check.timer`);
    assert.ok(timer.includes("RandomizedDelaySec=30s\n"));
    assert.ok(timer.includes("OnCalendar=Fri *-*-* 04:30:00\nOnCalendar=*-*-01,15 04:30:00\n"));
    const sync = Deno.readTextFileSync(`${dir}/docket-sync.service`);
    assert.ok(!sync.includes("PrivateNetwork") && sync.includes("After=network-online.target"));
    assert.ok(sync.includes("TimeoutStartSec=infinity\n"));
  });
});

Deno.test("install --list previews and writes nothing", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    h.task("hello", HELLO);
    const dir = `${h.dir}/units`;
    const r = await h.run(["--json", "install", "--list", "--dir", dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(r.json).sort(), INSTALL_KEYS);
    assert.ok(r.json.units.length === 4 && r.json.units.every((u: UnitJson) => !u.written));
    assert.ok(!exists(dir));
    const human = await h.run(["install", "--list", "--dir", dir]);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^OnCalendar=Sun \*-\*-\* 00:00:00$/m);
    assert.match(human.stdout, /Nothing written \(--list\)/);
    assert.ok(!exists(dir));
  });
});

interface UnitJson {
  written: boolean;
}

Deno.test("install <task>: only that task; no schedule is a usage error", async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    const dir = `${h.dir}/units`;
    const one = await h.run(["--json", "install", "offline", "--dir", dir]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "docket-offline.service",
      "docket-offline.timer",
    ]);
    assert.equal(one.json.scope, "user");
    assert.ok(one.json.next_steps.includes("loginctl enable-linger $USER"));
    const none = await h.run(["--json", "install", "unscheduled", "--dir", dir]);
    assert.equal(none.code, 1);
    assert.equal(none.json.error.kind, "usage");
    assert.match(none.json.error.message, /Cannot install task "unscheduled": it has no schedule/);
    const typo = await h.run(["--json", "install", "ofline"]);
    assert.equal(typo.json.error.kind, "task_not_found");
    const both = await h.run(["--json", "install", "--user", "--system"]);
    assert.equal(both.json.error.kind, "usage");
  });
});

Deno.test("install --enable without systemd writes the user units, then fails not_supported", {
  ignore: exists("/run/systemd/system"),
}, async () => {
  await withHome(async (h) => {
    h.config(CONFIG);
    const xdg = `${h.dir}/xdg`;
    const r = await h.run(["--json", "install", "offline", "--enable"], {
      env: { XDG_CONFIG_HOME: xdg },
    });
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "not_supported");
    assert.ok(exists(`${xdg}/systemd/user/docket-offline.timer`));
    assert.equal(r.json.error.details.dir, `${xdg}/systemd/user`);
    assert.ok(r.json.error.details.next_steps.includes("systemctl --user daemon-reload"));
  });
});

Deno.test("install: docket_bin is resolved on PATH, and a missing one is a config error", async () => {
  await withHome(async (h) => {
    const dir = `${h.dir}/units`;
    const cfg = (bin: string) =>
      `tasks:\n  t:\n    type: command\n    command: ["true"]\n    schedule: "@daily"\n` +
      `    docket_bin: ${bin}\n`;
    h.config(cfg("sh"));
    const ok = await h.run(["--json", "install", "--dir", dir]);
    assert.equal(ok.code, 0, ok.stderr);
    const sh = Deno.readTextFileSync(`${dir}/docket-t.service`).match(/^ExecStart=(\S+) /m)?.[1];
    assert.ok(sh?.startsWith("/") && sh.endsWith("/sh"), sh);
    h.config(cfg("no-such-docket-bin"));
    const bad = await h.run(["--json", "install", "--list"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.error.kind, "config_invalid");
    assert.match(bad.json.error.message, /docket_bin "no-such-docket-bin".*not on PATH/);
  });
});
