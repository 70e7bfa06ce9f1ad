import assert from "node:assert/strict";
import { describeRun, HARNESS, taskChildSpec } from "./child_spec.ts";
import type { HostFacts } from "./host.ts";

function host(over: Partial<HostFacts> = {}): HostFacts {
  return {
    probe: { available: true, bwrap: "/usr/bin/bwrap" },
    policy: "auto",
    denoPath: "/opt/deno",
    denoDir: "/root/.cache/deno",
    docketRoot: "/srv/docket",
    home: "/root/.docket",
    masks: ["/tmp", "/run"],
    privateDirs: ["/root/.docket/logs"],
    privateFiles: ["/root/.docket/state.db"],
    deny: { read: [], write: [] },
    timeoutBin: "/usr/bin/timeout",
    resolve: (c) => c.includes("/") ? c : `/usr/bin/${c}`,
    real: (p) => p,
    exists: () => true,
    envSource: { PATH: "/usr/bin", SECRET: "x" },
    ...over,
  };
}

const ts = { name: "t", source: "dropin", module: "/root/.docket/tasks/t.ts", grants: {} };
const cmd = (grants: Record<string, unknown>, section: Record<string, unknown> = {}) => ({
  task: { name: "c", source: "command", module: null, grants },
  run: describeRun({ command: ["curl", "http://x/"], ...section }),
});

Deno.test("child spec: a TS task's deno_flags are exactly the flags in its argv, inside bwrap", () => {
  const s = taskChildSpec(ts, describeRun({}), host());
  assert.equal(s.cmd, "/usr/bin/bwrap");
  const at = s.args.indexOf("/opt/deno");
  assert.deepEqual(s.args.slice(at, at + 2 + s.deno_flags.length + 3), [
    "/opt/deno",
    "run",
    ...s.deno_flags,
    "--no-config",
    "--no-lock",
    HARNESS.href,
  ]);
  assert.ok(s.args.includes("--unshare-net"));
  assert.deepEqual(s.permissions.enforced_by, {
    network: "deno",
    env: "deno",
    write: "deno",
    read: "deno",
    processes: "deno",
  });
  assert.equal(s.env.SECRET, undefined, "the environment is filtered");
});

Deno.test("child spec: without bwrap, auto runs unjailed and says advisory; required refuses", () => {
  const gone = { available: false, bwrap: null, reason: "bwrap is not installed" };
  const c = cmd({ network: false });
  const auto = taskChildSpec(c.task, c.run, host({ probe: gone }));
  assert.equal(auto.jailed, false);
  assert.equal(auto.cmd, "curl");
  assert.equal(auto.permissions.enforced_by.network, "advisory");
  assert.equal(auto.os.refused, undefined);
  const req = taskChildSpec(c.task, c.run, host({ probe: gone, policy: "required" }));
  assert.match(req.os.refused!.message, /required.*bwrap is not installed/);
  const off = taskChildSpec(c.task, c.run, host({ policy: "off" }));
  assert.equal(off.jailed, false);
  assert.equal(off.permissions.enforced_by.write, "advisory");
});

Deno.test("child spec: a command with an allow-list gets no interfaces, the forwarder and proxy env", () => {
  const c = cmd({ network: ["127.0.0.1:8080", "api.example.com:443"] });
  const s = taskChildSpec(c.task, { ...c.run, netDir: "/tmp/docket-net-1" }, host());
  assert.ok(s.args.includes("--unshare-net"));
  assert.equal(s.env.HTTPS_PROXY, "http://127.0.0.1:63128");
  assert.equal(s.env.http_proxy, "http://127.0.0.1:63128");
  const i = s.args.indexOf("/tmp/docket-net-1");
  assert.deepEqual(s.args.slice(i - 1, i + 2), [
    "--ro-bind",
    "/tmp/docket-net-1",
    "/run/docket-net",
  ]);
  const cfg = s.args.find((a) => a.startsWith("{"))!;
  assert.deepEqual(JSON.parse(cfg).forwards, [8080]);
  assert.deepEqual(s.args.slice(-2), ["/usr/bin/curl", "http://x/"], "the resolved program last");
  assert.deepEqual(s.proxy, ["127.0.0.1:8080", "api.example.com:443"]);
  assert.equal(s.permissions.enforced_by.network, "os");
});

Deno.test("child spec: timeout_seconds puts coreutils timeout (limit + grace) inside the jail", () => {
  const c = cmd({}, { timeout_seconds: 2, kill_grace_seconds: 1 });
  const s = taskChildSpec(c.task, c.run, host());
  const i = s.args.indexOf("/usr/bin/timeout");
  assert.deepEqual(s.args.slice(i, i + 5), [
    "/usr/bin/timeout",
    "--foreground",
    "-s",
    "KILL",
    "3s",
  ]);
});
