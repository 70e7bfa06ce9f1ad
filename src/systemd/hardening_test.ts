import { deepStrictEqual as assertEquals, ok, throws } from "node:assert/strict";
import { DocketError } from "../core/errors.ts";
import { type HardeningInput, type HardeningTask, systemdHardening } from "./hardening.ts";
import { literalAddress } from "./hardening_net.ts";

const cfg: HardeningInput["cfg"] = {
  path: "/srv/docket/config.yaml",
  home: "/srv/docket",
  state_dir: "/srv/docket/state.db",
  logs_dir: "/var/log/docket",
  tasks_dir: "/srv/docket/tasks",
  tasks: {},
};
const input: HardeningInput = {
  scope: "system",
  cfg,
  docketArgv: ["/usr/local/bin/deno", "run", "-A", "/opt/docket/main.ts"],
  denoDir: "/root/.cache/deno",
};
const task = (patch: Partial<HardeningTask>): HardeningTask => ({
  name: "t",
  source: "dropin",
  module: "/srv/docket/tasks/t.ts",
  grants: {},
  config: {},
  ...patch,
});

/** directive → values (SystemCallFilter= appears twice). */
function lines(t: HardeningTask, i: Partial<HardeningInput> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of systemdHardening(t, { ...input, ...i })) {
    out[d.directive] = out[d.directive] === undefined
      ? d.value
      : `${out[d.directive]} | ${d.value}`;
    ok(d.reason.length > 10, `${d.directive} has no reason`);
  }
  return out;
}

Deno.test("a Deno task without grants: sealed, writes only docket's folders, home is empty", () => {
  const l = lines(task({}));
  assertEquals(l.ProtectSystem, "strict");
  assertEquals(l.ReadWritePaths, "/srv/docket /var/log/docket");
  // What steers docket stays read-only inside the writable home.
  assertEquals(l.ReadOnlyPaths, "-/srv/docket/config.yaml -/srv/docket/tasks");
  assertEquals(l.PrivateTmp, "yes");
  assertEquals(l.ProtectHome, "tmpfs");
  // DENO_DIR lives under /root: bound back read-only (a '-' skips it if absent).
  assertEquals(l.BindReadOnlyPaths, "-/root/.cache/deno");
  assertEquals(l.PrivateNetwork, "yes");
  assertEquals(l.RestrictAddressFamilies, "AF_UNIX AF_NETLINK");
  assertEquals(l.IPAddressDeny, "any");
  assertEquals(l.CapabilityBoundingSet, "CAP_SETFCAP");
  assertEquals(l.PrivateUsers, "yes");
  assertEquals(l.RestrictNamespaces, "user mnt net pid");
  assertEquals(l.UMask, "0077");
  assertEquals(l.TimeoutStartSec, "infinity");
  assertEquals(l.ProtectKernelTunables, undefined);
  ok(l.SystemCallFilter?.startsWith("@system-service @mount "));
  assertEquals(l.User, undefined);
});

Deno.test("declared writes are writable; a backup's copy tool keeps root's file capabilities", () => {
  const l = lines(task({
    source: "builtin",
    grants: { destructive: true, writes: ["/backup/dest"], exec: ["rsync"] },
  }));
  assertEquals(l.ReadWritePaths, "-/backup/dest /srv/docket /var/log/docket");
  assertEquals(l.ProtectHome, "read-only");
  assertEquals(
    l.CapabilityBoundingSet,
    "CAP_SETFCAP CAP_CHOWN CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID",
  );
  // File capabilities apply only to mapped owners: no PrivateUsers= for a copying task.
  assertEquals(l.PrivateUsers, undefined);
  // Not destructive: its writes are not granted (Deno's rule).
  assertEquals(
    lines(task({ grants: { writes: ["/x"] } })).ReadWritePaths,
    "/srv/docket /var/log/docket",
  );
});

Deno.test("destructive without a writes list cannot be read-only: ProtectSystem=full", () => {
  const l = lines(task({ grants: { destructive: true } }));
  assertEquals(l.ProtectSystem, "full");
  assertEquals([l.ReadWritePaths, l.ProtectHome], [undefined, undefined]);
});

Deno.test("docket's files under /tmp: no PrivateTmp, and /tmp stays writable for scratch", () => {
  const tmp = { ...cfg, home: "/tmp/d", state_dir: "/tmp/d/state.db", logs_dir: "/tmp/d/logs" };
  const l = lines(task({}), { cfg: tmp });
  assertEquals(l.PrivateTmp, undefined);
  assertEquals(l.ReadWritePaths, "/tmp /var/tmp");
});

Deno.test("the network: declared, notifications and hooks keep it; literal addresses are pinned", () => {
  const net = (t: HardeningTask) => {
    const l = lines(t);
    return [l.PrivateNetwork, l.IPAddressAllow, l.IPAddressDeny];
  };
  assertEquals(net(task({ grants: { network: true } })), [undefined, undefined, undefined]);
  assertEquals(net(task({ grants: { network: ["api.example.com:443"] } })), [
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(net(task({ grants: { network: ["127.0.0.1:8080", "localhost", "[::1]:5432"] } })), [
    undefined,
    "127.0.0.1 localhost ::1",
    "any",
  ]);
  // A literal address is not enough when a notification or a hook also needs the network.
  const discord = { notify: { discord: { webhook_url: "https://discord.com/api/webhooks/1/x" } } };
  assertEquals(net(task({ grants: { network: ["127.0.0.1"] }, config: discord })), [
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(net(task({ config: discord })), [undefined, undefined, undefined]);
  assertEquals(
    net(task({ config: { on_failure: "curl -d x https://example.com" } }))[0],
    undefined,
  );
  assertEquals(net(task({ config: { notify: { on: ["failure"] } } }))[0], "yes");
  assertEquals(net(task({ source: "command", module: null }))[0], undefined);
  assertEquals(
    net(task({ source: "command", module: null, grants: { network: false } }))[0],
    "yes",
  );
  assertEquals(
    ["1.2.3.4", "1.2.3.4:80", "[::1]:80", "localhost:1", "1.2.3", "a.b", "1.2.3.4:x", "256.1.1.1"]
      .map(literalAddress),
    ["1.2.3.4", "1.2.3.4", "::1", "localhost", undefined, undefined, undefined, undefined],
  );
});

Deno.test("limits: MemoryMax= leaves room for docket; TimeoutStartSec= covers retries and hooks", () => {
  const l = lines(task({
    grants: { max_memory_mb: 128 },
    config: { timeout_seconds: 100, retry: 2, on_failure: ["a", "b"], hook_timeout_seconds: 10 },
  }));
  assertEquals(l.MemoryMax, "384M");
  // (100 + 5) × 3 + 2 + 4 backoff + 2 hooks × 10 s + 60 s margin.
  assertEquals(l.TimeoutStartSec, String(315 + 6 + 20 + 60));
});

Deno.test("run_as: User= and no capabilities; dynamic needs a /var/lib home; never in user units", () => {
  const l = lines(task({}), { cfg: { ...cfg, run_as: "docket" } });
  assertEquals([l.User, l.CapabilityBoundingSet], ["docket", ""]);
  // The task's own section (the operator's) overrides the top-level key.
  const own = lines(task({}), {
    cfg: { ...cfg, run_as: "docket", tasks: { t: { run_as: "other" } } },
  });
  assertEquals(own.User, "other");
  // A module's defaults land in task.config, never in cfg.tasks: they cannot pick the user.
  assertEquals(lines(task({ config: { run_as: "evil" } })).User, undefined);
  const varLib = { ...cfg, home: "/var/lib/docket", state_dir: "/var/lib/docket/state.db" };
  const dyn = lines(task({}), {
    cfg: { ...varLib, logs_dir: "/var/lib/docket/logs", run_as: "dynamic" },
  });
  assertEquals([dyn.DynamicUser, dyn.StateDirectory], ["yes", "docket"]);
  const bad = (i: Partial<HardeningInput>) =>
    throws(
      () => systemdHardening(task({}), { ...input, ...i }),
      (e: unknown) => e instanceof DocketError && e.kind === "config_invalid",
    );
  bad({ cfg: { ...cfg, run_as: "dynamic" } });
  bad({ cfg: { ...cfg, run_as: "docket" }, scope: "user" });
});

Deno.test("user units: PrivateUsers=yes for the namespaces; no capability or BPF settings", () => {
  const l = lines(task({}), { scope: "user" });
  assertEquals([l.PrivateUsers, l.ProtectSystem, l.ProtectHome], ["yes", "strict", "read-only"]);
  assertEquals([l.CapabilityBoundingSet, l.IPAddressDeny, l.BindReadOnlyPaths], [
    undefined,
    undefined,
    undefined,
  ]);
  assertEquals(l.PrivateNetwork, "yes");
});

Deno.test("paths are quoted and specifiers escaped", () => {
  const l = lines(task({ grants: { destructive: true, writes: ["/srv/my out/50%"] } }));
  assertEquals(l.ReadWritePaths, '/srv/docket "-/srv/my out/50%%" /var/log/docket');
});
