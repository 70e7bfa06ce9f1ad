import assert from "node:assert/strict";
import { Auditor, netTarget } from "./audit.ts";

async function auditOf(lines: object[], scratch = "/scratch") {
  const file = Deno.makeTempFileSync();
  Deno.writeTextFileSync(file, lines.map((l) => JSON.stringify({ v: 1, ...l })).join("\n") + "\n");
  const a = new Auditor();
  await a.collect(file, scratch);
  assert.throws(() => Deno.statSync(file), "the audit file is removed once read");
  return a;
}

Deno.test("netTarget: URL and host:port forms are one target", () => {
  assert.equal(netTarget("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
  assert.equal(netTarget("https://example.com/"), "example.com:443");
  assert.equal(netTarget("127.0.0.1:8080"), "127.0.0.1:8080");
});

Deno.test("Auditor: unused grants, denied accesses and the minimal declaration", async () => {
  const a = await auditOf([
    { permission: "read", value: "/srv/data/a/1.txt" },
    { permission: "read", value: "/srv/data/a/2.txt" },
    { permission: "read", value: "/etc/shadow" },
    { permission: "read", value: "/scratch/tmp" },
    { permission: "net", value: "http://api.example:80/x" },
    { permission: "net", value: "api.example:80" },
    { permission: "env", value: "TOKEN" },
    { permission: "env", value: "DOCKET_RUN_ID" },
    { permission: "write", value: "/srv/out/day/x.json" },
    { permission: "sys", value: "hostname" },
  ]);
  const r = a.report({
    grants: {
      network: ["api.example", "other.example:443"],
      required_env: ["TOKEN", "UNUSED"],
      reads: ["/srv/data", "/srv/lib", "/srv/never"],
      destructive: true,
      writes: ["/srv/out"],
      exec: ["rsync"],
      sys: ["hostname", "loadavg"],
    },
    modulePath: "/srv/task.ts",
    imports: ["/srv/task.ts", "/srv/lib/helper.ts"],
  });
  assert.equal(r.checks, 10);
  assert.deepEqual(r.denied, [{ permission: "read", value: "/etc/shadow" }]);
  assert.deepEqual(r.unused, {
    network: ["other.example:443"],
    required_env: ["UNUSED"],
    reads: ["/srv/never"],
    writes: [],
    exec: [],
    sys: ["loadavg"],
  });
  assert.deepEqual(r.minimal, {
    network: ["api.example:80"],
    required_env: ["TOKEN"],
    reads: ["/srv/data/a", "/srv/lib/helper.ts"],
    destructive: true,
    writes: ["/srv/out/day/x.json"],
    exec: ["rsync"],
    sys: ["hostname"],
  });
  assert.match(r.notes.join(" "), /does not record run checks/);
});

Deno.test("Auditor: unscoped grants that were not used, and no audit file at all", async () => {
  const a = await auditOf([{ permission: "write", value: "/var/tmp/a/b.txt" }]);
  const r = a.report({
    grants: { network: true, destructive: true },
    modulePath: "/t.ts",
    imports: undefined,
  });
  assert.equal(r.unused.network, true);
  assert.equal(r.unused.writes, false);
  assert.deepEqual(r.minimal.writes, ["/var/tmp/a"]);
  assert.equal(r.minimal.network, false);
  assert.match(r.notes.join(" "), /import graph could not be read/);
  const none = new Auditor();
  await none.collect("/nonexistent/audit.jsonl", "/s");
  assert.equal(none.report({ grants: {}, modulePath: "/t.ts", imports: [] }).checks, 0);
});
