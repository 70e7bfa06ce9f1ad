/**
 * `docket install --target kubernetes` through the real CLI: golden files for the example
 * config, every declaration of the permission matrix mapped to its objects, nothing written on
 * error. No cluster exists here: what a cluster would do with the objects is not tested.
 */
import assert from "node:assert/strict";
import { exists, type Home, withHome } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const GOLDEN = `${ROOT}tests/golden/kubernetes`;

/** The example config, its drop-ins read from examples/tasks as they are. */
function exampleHome(h: Home): Home {
  const example = Deno.readTextFileSync(`${ROOT}examples/config.yaml`);
  return h.config(`tasks_dir: ${ROOT}examples/tasks\n${example}`);
}

Deno.test("install --target kubernetes writes the golden manifests for the example config", async () => {
  await withHome(async (h) => {
    exampleHome(h);
    const out = `${h.dir}/k8s`;
    const r = await h.run(["--json", "install", "--target", "kubernetes", "--out", out]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const names = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assert.deepEqual(names, [
      "docket-disk-report.yaml",
      "docket-greet.yaml",
      "docket-health-check.yaml",
    ]);
    for (const n of names) {
      const text = Deno.readTextFileSync(`${out}/${n}`);
      if (Deno.env.get("UPDATE_GOLDEN") === "1") Deno.writeTextFileSync(`${GOLDEN}/${n}`, text);
      assert.equal(
        text,
        Deno.readTextFileSync(`${GOLDEN}/${n}`),
        `${n} differs from its golden file`,
      );
      assert.ok(!text.includes(h.dir) && !text.includes(ROOT), `${n} names a host path`);
    }
    assert.deepEqual(Object.keys(r.json).sort(), [
      "image",
      "namespace",
      "next_steps",
      "ok",
      "out",
      "target",
      "tasks",
      "warnings",
    ]);
    assert.deepEqual(Object.keys(r.json.tasks[0]).sort(), [
      "file",
      "objects",
      "schedule",
      "secret",
      "task",
      "unexpressed_hosts",
      "warnings",
    ]);
    assert.deepEqual(r.json.tasks.map((t: { task: string }) => t.task), [
      "disk-report",
      "greet",
      "health-check",
    ]);
    assert.ok(r.json.warnings.some((w: string) => w.includes("PostgreSQL")));
  });
});

Deno.test("install --target kubernetes - prints applyable YAML with warnings as comments", async () => {
  await withHome(async (h) => {
    exampleHome(h);
    const r = await h.run(["install", "--target", "kubernetes", "greet"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      `${r.stdout.split("\n").filter((l) => l.startsWith("# warning: ")).join("\n")}\n${
        Deno.readTextFileSync(`${GOLDEN}/docket-greet.yaml`)
      }`,
    );
    assert.equal(r.stderr, "", "nothing on stderr (no deprecation notice from the validator)");
  });
});

/** The --json manifests of one task, by kind. */
async function manifests(h: Home, args: string[] = [], env: Record<string, string> = {}) {
  const r = await h.run(["--json", "install", "--target", "kubernetes", ...args], { env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const by = new Map<string, Record<string, any>>();
  for (const o of r.json.manifests) by.set(`${o.kind}/${o.metadata.name}`, o);
  return { json: r.json, by, stdout: r.stdout };
}

const job = (cj: Record<string, any>) => cj.spec.jobTemplate.spec;
const pod = (cj: Record<string, any>) => job(cj).template.spec;
const ctr = (cj: Record<string, any>) => pod(cj).containers[0];

Deno.test("every declaration of the permission matrix maps to the expected objects", async () => {
  await withHome(async (h) => {
    const none = h.task("none", `{ description: "d", run: () => ({ ok: true, summary: "" }) }`);
    h.task("anynet", `{ description: "d", network: true, run: () => ({ ok: true, summary: "" }) }`);
    h.task(
      "listed",
      `{ description: "d", network: ["10.0.0.5:5432", "api.example.com:443", "localhost:8080"], required_env: ["API_TOKEN"], run: () => ({ ok: true, summary: "" }) }`,
    );
    h.task(
      "writer",
      `{ description: "d", destructive: true, writes: ["/data/out"], reads: ["/srv/in"], exec: ["rsync"], max_memory_mb: 64, run: () => ({ ok: true, summary: "" }) }`,
    );
    h.task(
      "anywhere",
      `{ description: "d", destructive: true, run: () => ({ ok: true, summary: "" }) }`,
    );
    h.config(`
tasks:
  none: { schedule: "0 3 * * *", timeout_seconds: 30, retry: 2, timezone: Europe/Berlin }
  anynet: { schedule: "@hourly", overlap: replace }
  listed: { schedule: "*/15 * * * *", overlap: queue }
  writer: { schedule: "0 4 * * *", randomized_delay_seconds: 600 }
  anywhere: { schedule: "0 5 * * *", overlap: allow }
`);
    const secretValue = "s3cr3t-value-never-in-manifests";
    // The operator's environment holds the value: it must reach no manifest.
    const { json, by, stdout } = await manifests(h, [], { API_TOKEN: secretValue });
    assert.ok(!stdout.includes(secretValue));
    assert.ok(exists(none));

    // network: false → no egress at all; true → all egress; never any ingress.
    assert.deepEqual(by.get("NetworkPolicy/docket-none")!.spec.egress, []);
    assert.deepEqual(by.get("NetworkPolicy/docket-anynet")!.spec.egress, [{}]);
    for (const [k, o] of by) {
      if (k.startsWith("NetworkPolicy/")) {
        assert.deepEqual(o.spec.ingress, []);
        assert.deepEqual(
          o.spec.podSelector.matchLabels,
          job(by.get(`CronJob/${o.metadata.name}`)!).template.metadata.labels,
        );
      }
    }
    // An allow-list: an ipBlock for the IP with its port, DNS, the host name reported.
    const listed = by.get("NetworkPolicy/docket-listed")!.spec.egress;
    assert.deepEqual(listed[0], {
      to: [{ ipBlock: { cidr: "10.0.0.5/32" } }],
      ports: [{ protocol: "TCP", port: 5432 }],
    });
    assert.equal(listed[1].ports[0].port, 53);
    const listedTask = json.tasks.find((t: { task: string }) => t.task === "listed");
    assert.deepEqual(listedTask.unexpressed_hosts, ["api.example.com:443"]);
    assert.ok(listedTask.warnings.some((w: string) => w.includes("loopback")));
    assert.ok(listedTask.warnings.some((w: string) => w.includes("queue")));
    // required_env → secretKeyRef to the default Secret, names only.
    const env = ctr(by.get("CronJob/docket-listed")!).env;
    assert.deepEqual(env.find((e: { name: string }) => e.name === "API_TOKEN"), {
      name: "API_TOKEN",
      valueFrom: { secretKeyRef: { name: "docket-listed", key: "API_TOKEN" } },
    });
    assert.deepEqual(listedTask.secret, { name: "docket-listed", keys: ["API_TOKEN"] });
    assert.equal(env.filter((e: { valueFrom?: unknown }) => e.valueFrom).length, 1);
    // destructive + writes → an emptyDir at each path; the root stays read-only.
    const writer = by.get("CronJob/docket-writer")!;
    assert.deepEqual(
      ctr(writer).volumeMounts.find((m: { mountPath: string }) => m.mountPath === "/data/out"),
      { name: "writes-0", mountPath: "/data/out" },
    );
    assert.deepEqual(pod(writer).volumes.find((v: { name: string }) => v.name === "writes-0"), {
      name: "writes-0",
      emptyDir: {},
    });
    assert.equal(ctr(writer).securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(ctr(writer).resources.limits, { memory: "320Mi" });
    const writerTask = json.tasks.find((t: { task: string }) => t.task === "writer");
    for (const w of ["/srv/in", "rsync", "emptyDir"]) {
      assert.ok(writerTask.warnings.some((x: string) => x.includes(w)), w);
    }
    assert.match(writer.spec.schedule, /^\d+ 4 \* \* \*$/);
    // destructive without writes: only scratch is writable, and the output says so.
    const anywhere = by.get("CronJob/docket-anywhere")!;
    assert.deepEqual(
      ctr(anywhere).volumeMounts.map((m: { mountPath: string }) => m.mountPath),
      ["/etc/docket/config.yaml", "/etc/docket/tasks/anywhere.ts", "/var/lib/docket", "/tmp"],
    );
    assert.ok(
      json.tasks.find((t: { task: string }) => t.task === "anywhere").warnings
        .some((w: string) => w.includes("read-only")),
    );
    // timeout → activeDeadlineSeconds (2 retries: 3 × (30 + 5 + 60) + 10 + 20); retry →
    // backoffLimit; timezone → timeZone; overlap → concurrencyPolicy.
    const n = by.get("CronJob/docket-none")!;
    assert.equal(job(n).activeDeadlineSeconds, 3 * 95 + 30);
    assert.equal(job(n).backoffLimit, 2);
    assert.equal(n.spec.timeZone, "Europe/Berlin");
    assert.equal(n.spec.concurrencyPolicy, "Forbid");
    assert.equal(by.get("CronJob/docket-anynet")!.spec.concurrencyPolicy, "Replace");
    assert.equal(by.get("CronJob/docket-anywhere")!.spec.concurrencyPolicy, "Allow");
    assert.equal(by.get("CronJob/docket-anynet")!.spec.schedule, "0 * * * *");
    for (const [k, o] of by) {
      if (!k.startsWith("CronJob/")) continue;
      assert.ok(o.spec.startingDeadlineSeconds >= 60, `${k} has a startingDeadlineSeconds`);
      assert.deepEqual(job(o).podFailurePolicy.rules[0], {
        action: "FailJob",
        onExitCodes: { containerName: "docket", operator: "In", values: [77] },
      });
      assert.deepEqual(ctr(o).args.slice(0, 4), ["--json", "run", "--denied-exit-code", "77"]);
      const sc = ctr(o).securityContext;
      assert.deepEqual(
        [sc.runAsNonRoot, sc.readOnlyRootFilesystem, sc.allowPrivilegeEscalation, sc.capabilities],
        [true, true, false, { drop: ["ALL"] }],
      );
      assert.equal(pod(o).automountServiceAccountToken, false);
      assert.equal(pod(o).restartPolicy, "Never");
    }
    // The pod's config holds the task's own section, without docket's retry (Kubernetes retries).
    const cm = by.get("ConfigMap/docket-none")!;
    assert.match(cm.data["config.yaml"], /none:\n\s+schedule: 0 3 \* \* \*/);
    assert.ok(!cm.data["config.yaml"].includes("retry"));
    assert.ok(cm.data["module.ts"].includes('from "file:///opt/docket/task.ts"'));
  });
});

Deno.test("--secret names a task's Secret and --cilium adds toFQDNs for host names", async () => {
  await withHome(async (h) => {
    h.task(
      "listed",
      `{ description: "d", network: ["api.example.com:443"], required_env: ["API_TOKEN"], run: () => ({ ok: true, summary: "" }) }`,
    );
    h.config(`tasks:\n  listed: { schedule: "0 3 * * *" }\n`);
    const { by, json } = await manifests(h, ["--secret", "listed=api-creds", "--cilium"]);
    assert.equal(
      ctr(by.get("CronJob/docket-listed")!).env.at(-1).valueFrom.secretKeyRef.name,
      "api-creds",
    );
    const cnp = by.get("CiliumNetworkPolicy/docket-listed")!;
    assert.deepEqual(cnp.spec.egress[1].toFQDNs, [{ matchName: "api.example.com" }]);
    assert.deepEqual(json.tasks[0].unexpressed_hosts, []);
  });
});

Deno.test("a config that cannot be compiled fails with a kind and writes nothing", async () => {
  await withHome(async (h) => {
    h.task("ok-task", `{ description: "d", run: () => ({ ok: true, summary: "" }) }`);
    h.task("leaky", `{ description: "d", run: () => ({ ok: true, summary: "" }) }`);
    h.config(`
tasks:
  ok-task: { schedule: "0 3 * * *" }
  leaky:
    schedule: "0 4 * * *"
    notify: { telegram: { chat: "1", bot_token: "123456:ABCDEFabcdef-secret" } }
`);
    const out = `${h.dir}/k8s`;
    const r = await h.run(["--json", "install", "--target", "kubernetes", "--out", out]);
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "config_invalid");
    assert.match(r.json.error.message, /leaky.*notify\.telegram\.bot_token/);
    assert.ok(!exists(out), "no file of the good task either");
    // Positive control: without the inline secret both tasks are written.
    h.config(`tasks:\n  ok-task: { schedule: "0 3 * * *" }\n  leaky: { schedule: "0 4 * * *" }\n`);
    const good = await h.run(["--json", "install", "--target", "kubernetes", "--out", out]);
    assert.equal(good.code, 0, good.stdout);
    assert.deepEqual([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
      "docket-leaky.yaml",
      "docket-ok-task.yaml",
    ]);
  });
});

Deno.test("install --target kubernetes refuses bad options with a kind", async () => {
  await withHome(async (h) => {
    h.config(`tasks:\n  health-check: { schedule: "0 3 * * *" }\n`);
    const cases: [string[], string][] = [
      [["--target", "kubernetes", "--namespace", "Bad_NS"], "usage"],
      [["--target", "kubernetes", "--user"], "usage"],
      [["--target", "kubernetes", "--secret", "nope"], "usage"],
      [["--target", "kubernetes", "--secret", "other=x"], "usage"],
      [["--target", "kubernetes", "--image", "a b"], "usage"],
      [["--target", "nomad"], "usage"],
      [["--image", "x"], "usage"],
    ];
    for (const [args, kind] of cases) {
      const r = await h.run(["--json", "install", ...args]);
      assert.equal(r.code, 1, args.join(" "));
      assert.equal(r.json.error.kind, kind, args.join(" "));
    }
    h.config(
      `tasks:\n  Bad_Name:\n    type: command\n    command: "true"\n    schedule: "0 3 * * *"\n`,
    );
    const r = await h.run(["--json", "install", "--target", "kubernetes"]);
    assert.equal(r.json.error.kind, "config_invalid");
    assert.match(r.json.error.message, /CronJob name/);
    // What a drop-in declares is input, not docket's output: a clear kind, never `internal`.
    h.task(
      "badenv",
      `{ description: "d", required_env: ["A=B"], run: () => ({ ok: true, summary: "" }) }`,
    );
    h.task(
      "badwrite",
      `{ description: "d", destructive: true, writes: ["/x:y"], run: () => ({ ok: true, summary: "" }) }`,
    );
    for (const t of ["badenv", "badwrite"]) {
      h.config(`tasks:\n  ${t}: { schedule: "0 3 * * 7" }\n`);
      const e = await h.run(["--json", "install", "--target", "kubernetes", t]);
      assert.equal(e.code, 1, e.stdout);
      assert.ok(["config_invalid", "task_load_failed"].includes(e.json.error.kind), e.stdout);
    }
  });
});

Deno.test("the systemd install path does not load the Kubernetes modules or their validator", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", `${ROOT}src/commands/install.ts`],
    stdout: "piped",
    stderr: "null",
  }).output();
  const graph = JSON.parse(new TextDecoder().decode(out.stdout));
  // Follow only the edges that load code at run time (a `typeof import()` is a type edge).
  const mods = new Map<string, any>(graph.modules.map((m: any) => [m.specifier, m]));
  const seen = new Set<string>();
  const walk = (s: string) => {
    if (seen.has(s)) return;
    seen.add(s);
    for (const d of mods.get(s)?.dependencies ?? []) if (d.code?.specifier) walk(d.code.specifier);
  };
  walk(graph.roots[0]);
  const loaded = [...seen];
  assert.ok(
    loaded.some((s) => s.endsWith("src/kubernetes/render.ts")),
    "the walk reaches render.ts",
  );
  for (const s of loaded) {
    assert.ok(!/kubernetes-models|src\/kubernetes\/(install|validate|manifests)\.ts/.test(s), s);
  }
});
