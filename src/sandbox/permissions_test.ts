import assert from "node:assert/strict";
import { childEnv, deriveSandbox, TASK_API_FILES } from "./permissions.ts";

const base = { modulePath: "/t/task.ts", scratchDir: "/s" };

Deno.test("deriveSandbox: defaults grant no net, no env beyond context, writes only scratch", () => {
  const { deno_flags } = deriveSandbox({ grants: {}, ...base });
  assert.deepEqual(deno_flags, [
    "--no-prompt",
    `--allow-read=/t/task.ts,${TASK_API_FILES.join(",")},/s`,
    "--allow-write=/s",
    "--allow-env=DOCKET_RUN_ID,DOCKET_TASK_NAME,DOCKET_DRY_RUN,DOCKET_SCRATCH_DIR,DOCKET_ATTEMPT",
    "--cached-only",
  ]);
});

Deno.test("deriveSandbox: each declaration maps to its flag", () => {
  const f = (g: Parameters<typeof deriveSandbox>[0]["grants"]) =>
    deriveSandbox({ grants: g, ...base }).deno_flags;
  assert.ok(f({ network: true }).includes("--allow-net"));
  assert.ok(f({ network: ["a.example:443", "b"] }).includes("--allow-net=a.example:443,b"));
  assert.ok(!f({ network: false }).some((x) => x.startsWith("--allow-net")));
  assert.ok(!f({ network: [] }).some((x) => x.startsWith("--allow-net")));
  assert.ok(f({ required_env: ["A", "B"] })[3]!.startsWith("--allow-env=A,B,DOCKET_RUN_ID"));
  assert.ok(f({ destructive: true }).includes("--allow-write"));
  assert.ok(f({ destructive: true, writes: ["/w"] }).includes("--allow-write=/s,/w"));
  assert.ok(f({ destructive: true, writes: [] }).includes("--allow-write=/s"));
  assert.ok(f({ destructive: false, writes: ["/w"] }).includes("--allow-write=/s"));
  assert.ok(f({ reads: ["/r"] })[1]!.endsWith(",/s,/r"));
  assert.ok(f({ exec: ["rsync"] }).includes("--allow-run=rsync"));
  assert.ok(f({ sys: ["systemMemoryInfo"] }).includes("--allow-sys=systemMemoryInfo"));
  assert.ok(f({ max_memory_mb: 64 }).includes("--v8-flags=--max-old-space-size=64"));
  assert.ok(!f({ network: true }).includes("--cached-only"));
  assert.ok(f({ network: ["a.example:443"] }).includes("--cached-only"));
});

Deno.test("deriveSandbox: exec grants mark network/write enforcement advisory", () => {
  const p = deriveSandbox({ grants: { exec: ["sh"] }, ...base }).permissions;
  assert.equal(p.enforced_by.network, "advisory");
  assert.match(p.notes[0]!, /outside Deno's sandbox/);
  assert.equal(deriveSandbox({ grants: {}, ...base }).permissions.enforced_by.network, "deno");
});

Deno.test("childEnv: only the base set, declared variables and context", () => {
  const env = childEnv({
    source: {
      PATH: "/bin",
      HOME: "/h",
      AWS_SECRET: "x",
      TOKEN: "t",
      LC_ALL: "C",
      RUST_BACKTRACE: "1",
    },
    required: ["TOKEN", "MISSING"],
    context: { DOCKET_RUN_ID: "r" },
  });
  assert.deepEqual(env, {
    PATH: "/bin",
    HOME: "/h",
    LC_ALL: "C",
    NO_COLOR: "1",
    TOKEN: "t",
    DOCKET_RUN_ID: "r",
  });
});

Deno.test("deriveSandbox: paths are normalised; entries a flag list cannot hold are left out", () => {
  const sb = deriveSandbox({
    grants: {
      reads: ["/r/./a/../b/", "..", "/x,/etc", "rel/dir"],
      destructive: true,
      writes: ["/w//o/", "/a,/"],
      exec: ["sh,rm"],
      network: ["a.example,b.example"],
    },
    modulePath: "/t/x,.,y.ts",
    scratchDir: "/s",
  });
  const p = sb.permissions;
  assert.deepEqual(p.read, [...TASK_API_FILES, "/s", "/r/b"]);
  assert.deepEqual(p.write, ["/s", "/w/o"]);
  assert.deepEqual(p.run, []);
  assert.deepEqual(p.net, []);
  assert.ok(!sb.deno_flags.some((f) => f.includes("/etc") || f.includes("x,.,y")));
  assert.equal(p.notes.filter((n) => n.startsWith("not granted:")).length, 6);
  assert.ok(p.notes.some((n) => n.startsWith("module path")));
});

Deno.test("deriveSandbox: a dry run writes its scratch dir only, and says so", () => {
  const g = { destructive: true, writes: ["/w"] };
  const dry = deriveSandbox({ grants: g, ...base, dryRun: true });
  assert.deepEqual(dry.permissions.write, ["/s"]);
  assert.ok(dry.deno_flags.includes("--allow-write=/s"));
  assert.ok(dry.permissions.notes.some((n) => n.startsWith("dry run: no write grant")));
  assert.ok(
    deriveSandbox({ grants: { destructive: true }, ...base, dryRun: true }).deno_flags
      .includes("--allow-write=/s"),
  );
  assert.deepEqual(deriveSandbox({ grants: g, ...base }).permissions.write, ["/s", "/w"]);
});
