// The validator must be able to fail: each hand-broken copy of a real compiled manifest is
// rejected, and the unbroken one (the positive control) passes.
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import type { DocketConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { compileTask } from "./manifests.ts";
import { cidrProblem, validateManifests } from "./validate.ts";

const cfg: DocketConfig = {
  path: "/nonexistent/config.yaml",
  exists: false,
  home: "/nonexistent",
  state_dir: "/nonexistent/state.db",
  tasks_dir: "/nonexistent/tasks",
  logs_dir: "/nonexistent/logs",
  history: {},
  tasks: {},
};

function task(grants: TaskInfo["grants"], config: Record<string, unknown>): TaskInfo {
  return {
    name: "probe",
    source: "command",
    module: null,
    description: "",
    inputs: {},
    outputs: {},
    schema: {},
    standardSchema: false,
    grants,
    regrant: () => grants,
    config: { schedule: "0 3 * * *", ...config },
    configWarnings: [],
    hasDryRun: false,
    loadError: null,
  };
}

function objects(cilium = false): Record<string, any>[] {
  return compileTask(
    task({ network: ["10.0.0.5:5432", "api.example.com:443"], required_env: ["TOKEN"] }, {
      timeout_seconds: 30,
      retry: 1,
    }),
    cfg,
    { image: "docket:test", namespace: "ops", secrets: {}, cilium },
  ).objects as Record<string, any>[];
}

const cronJob = (os: Record<string, any>[]) => os.find((o) => o.kind === "CronJob")!;
const policy = (os: Record<string, any>[]) => os.find((o) => o.kind === "NetworkPolicy")!;
const container = (os: Record<string, any>[]) =>
  cronJob(os).spec.jobTemplate.spec.template.spec.containers[0];

Deno.test("the compiled manifests pass docket's checks and the official schemas", async () => {
  assertEquals(await validateManifests(objects(true)), []);
});

const BREAKS: [string, (os: Record<string, any>[]) => void, RegExp][] = [
  ["an unknown field", (os) => (cronJob(os).spec.bogus = 1), /spec\.bogus is not a field/],
  ["an unknown nested field", (os) => (container(os).hostPID = true), /hostPID is not a field/],
  ["a hostPath volume", (os) => {
    cronJob(os).spec.jobTemplate.spec.template.spec.volumes.push({
      name: "host",
      hostPath: { path: "/" },
    });
  }, /hostPath is not a field/],
  ["a malformed CIDR", (os) => {
    policy(os).spec.egress[0].to[0].ipBlock.cidr = "999.1.1.1/77";
  }, /not a CIDR/],
  ["an invalid cron schedule", (os) => (cronJob(os).spec.schedule = "0 3 L * *"), /schedule/],
  ["a name that is not DNS-1123", (os) => (cronJob(os).metadata.name = "Docket_Probe"), /DNS/],
  ["a bad label value", (os) => (cronJob(os).metadata.labels.x = "-bad-"), /label value/],
  ["a writable root", (os) => {
    container(os).securityContext.readOnlyRootFilesystem = false;
  }, /readOnlyRootFilesystem/],
  ["no podFailurePolicy rule for denials", (os) => {
    cronJob(os).spec.jobTemplate.spec.podFailurePolicy.rules.shift();
  }, /exit code 77/],
  ["a policy selecting other pods", (os) => {
    policy(os).spec.podSelector.matchLabels = { app: "other" };
  }, /podSelector/],
  ["a port out of range", (os) => (policy(os).spec.egress[0].ports[0].port = 70000), /range/],
  // These three only the official schemas catch (docket's shape check lets strings through).
  ["a bad enum", (os) => (cronJob(os).spec.concurrencyPolicy = "Sometimes"), /allowed values/],
  ["a bad podFailurePolicy action", (os) => {
    cronJob(os).spec.jobTemplate.spec.podFailurePolicy.rules[1].action = "Retry";
  }, /allowed values/],
  ["a wrong type", (os) => (cronJob(os).spec.schedule = 5), /must be a string/],
  ["a missing required field", (os) => delete cronJob(os).spec.jobTemplate, /jobTemplate/],
];

for (const [what, breakIt, why] of BREAKS) {
  Deno.test(`the validator rejects a manifest with ${what}`, async () => {
    const os = objects(true);
    breakIt(os);
    const problems = await validateManifests(os);
    ok(problems.some((p) => why.test(p)), `expected ${why} in ${JSON.stringify(problems)}`);
  });
}

Deno.test("the official schemas alone reject what docket's shape check lets through", async () => {
  const { schemaProblems } = await import("./validate.ts");
  const os = objects();
  cronJob(os).spec.concurrencyPolicy = "Sometimes";
  ok((await schemaProblems(cronJob(os))).some((p) => /allowed values/.test(p)));
  ok((await schemaProblems(cronJob(objects()))).length === 0);
});

Deno.test("cidrProblem accepts v4 and v6 prefixes in range only", () => {
  assertEquals(cidrProblem("10.0.0.5/32"), undefined);
  assertEquals(cidrProblem("2001:db8::/32"), undefined);
  ok(cidrProblem("10.0.0.5/33"));
  ok(cidrProblem("10.0.0/24"));
  ok(cidrProblem("10.0.0.5"));
});
