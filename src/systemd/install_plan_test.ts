import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { DocketConfig } from "../config/types.ts";
import { DocketError } from "../core/errors.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { which } from "../core/which.ts";
import {
  currentInvocation,
  docketArgv,
  isEphemeralDeno,
  needsNetwork,
  runBudgetSeconds,
  unitDir,
  unitOptionsFor,
} from "./install_plan.ts";

const env = (vars: Record<string, string>) => ({ get: (k: string) => vars[k] });
const cfg: DocketConfig = {
  path: "/srv/docket/config.yaml",
  exists: true,
  home: "/srv/docket",
  state_dir: "/srv/docket/state.db",
  tasks_dir: "/srv/docket/tasks",
  logs_dir: "/srv/docket/logs",
  history: {},
  tasks: {},
};
const task = (patch: Partial<TaskInfo>): TaskInfo => ({
  name: "t",
  source: "dropin",
  module: "/srv/docket/tasks/t.ts",
  description: "",
  inputs: {},
  outputs: {},
  schema: {},
  standardSchema: false,
  grants: {},
  regrant: () => ({}),
  config: { schedule: "@daily" },
  hasDryRun: false,
  loadError: null,
  configWarnings: [],
  ...patch,
});

Deno.test("unitDir: XDG_CONFIG_HOME when absolute, else ~/.config; /etc for system", () => {
  assertEquals(unitDir("user", env({ HOME: "/home/u" })), "/home/u/.config/systemd/user");
  assertEquals(unitDir("user", env({ HOME: "/home/u", XDG_CONFIG_HOME: "/x" })), "/x/systemd/user");
  assertEquals(
    unitDir("user", env({ HOME: "/home/u", XDG_CONFIG_HOME: "rel" })),
    "/home/u/.config/systemd/user",
  );
  assertEquals(unitDir("system", env({ XDG_CONFIG_HOME: "/x" })), "/etc/systemd/system");
});

Deno.test("runBudgetSeconds covers every attempt, its kill grace and the backoff between", () => {
  assertEquals(runBudgetSeconds({}), undefined);
  assertEquals(runBudgetSeconds({ timeout_seconds: 60 }), 65);
  assertEquals(runBudgetSeconds({ timeout_seconds: 100, retry: 2 }), 105 * 3 + 2 + 4);
  assertEquals(
    runBudgetSeconds({
      timeout_seconds: 10,
      retry: 3,
      backoff_base: 10,
      backoff_max: 50,
      kill_grace_seconds: 0,
    }),
    40 + 10 + 50 + 50,
  );
});

Deno.test("docketArgv: the current deno + main.ts, or docket_bin made absolute", () => {
  const cur = currentInvocation();
  // Started from npx's cache (as here), the units use a `deno` on PATH outside it.
  const self = Deno.execPath();
  const onPath = which("deno");
  assertEquals(cur[0], isEphemeralDeno(self) && onPath && !isEphemeralDeno(onPath) ? onPath : self);
  ok(cur.at(-1)!.endsWith("/main.ts") && cur.at(-1)!.startsWith("/"));
  assertEquals(docketArgv("t", undefined, cfg), cur);
  ok(docketArgv("t", "sh", cfg)[0]!.match(/^\/.*\/sh$/));
  assertEquals(docketArgv("t", "/bin/sh", cfg), ["/bin/sh"]);
  for (const bad of ["no-such-docket", "/no/such/docket", "./rel/docket"]) {
    try {
      docketArgv("t", bad, cfg);
      throw new Error(`accepted ${bad}`);
    } catch (err) {
      ok(err instanceof DocketError && err.kind === "config_invalid", String(err));
    }
  }
});

Deno.test("needsNetwork: declared network, notifications and hooks keep it; command tasks by default", () => {
  assertEquals(needsNetwork(task({})), false);
  assertEquals(needsNetwork(task({ grants: { network: [] } })), false);
  assertEquals(needsNetwork(task({ grants: { network: ["a.example:443"] } })), true);
  assertEquals(needsNetwork(task({ grants: { network: true } })), true);
  assertEquals(needsNetwork(task({ config: { notify: { on: ["failure"] } } })), false);
  assertEquals(needsNetwork(task({ config: { notify: { discord: { webhook_url: "x" } } } })), true);
  assertEquals(needsNetwork(task({ config: { on_failure: "curl x" } })), true);
  assertEquals(needsNetwork(task({ source: "command" })), true);
  assertEquals(needsNetwork(task({ source: "command", grants: { network: false } })), false);
});

Deno.test("unitOptionsFor: system units always name DOCKET_HOME; user units only when set", () => {
  const t = task({ config: { schedule: "@daily", randomized_delay_seconds: 0 } });
  const user = unitOptionsFor(t, { cfg, scope: "user", env: env({}) });
  assertEquals(user.docketHome, undefined);
  assertEquals(user.docketConfig, undefined);
  assertEquals(user.workingDirectory, "/srv/docket");
  assertEquals(user.randomizedDelaySeconds, undefined);
  const system = unitOptionsFor(t, { cfg, scope: "system", env: env({}) });
  assertEquals(system.docketHome, "/srv/docket");
  const set = unitOptionsFor(t, {
    cfg,
    scope: "user",
    env: env({ DOCKET_HOME: "/srv/docket", DOCKET_CONFIG: "x" }),
  });
  assertEquals([set.docketHome, set.docketConfig], ["/srv/docket", "/srv/docket/config.yaml"]);
});
