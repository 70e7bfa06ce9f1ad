/** rclone connection strings name remotes: `backup` reports (and grants) network for them. */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

/** `describe backup --json` with `remote` as the destination. */
async function describeBackup(remote: string, source: string): Promise<Record<string, any>> {
  let task: Record<string, any> = {};
  await withHome(async (h) => {
    h.config(`tasks:\n  backup:\n    source: ${source}\n    remote: ${JSON.stringify(remote)}\n`);
    const r = await h.run(["--json", "describe", "backup"]);
    assert.equal(r.code, 0, r.stderr);
    task = r.json.task;
  });
  return task;
}

Deno.test("backup: rclone connection-string remotes are network, with no local write grant", async () => {
  for (
    const remote of [
      "dav,url='http://127.0.0.1:9/dav':path",
      ":webdav,url='http://127.0.0.1:9/dav':path",
      "s3,provider=AWS:bucket/x",
    ]
  ) {
    const t = await describeBackup(remote, "/tmp");
    assert.equal(t.network, true, remote);
    assert.equal(t.permissions.net, true, remote);
    assert.ok(t.deno_flags.includes("--allow-net"), remote);
    // the connection string is not a local path: nothing outside scratch becomes writable
    assert.deepEqual(t.permissions.write, ["<scratch>"], remote);
  }
  // positive control: a local destination is not network, and is the write grant
  const local = await describeBackup("/tmp/docket-dst", "/tmp");
  assert.equal(local.network, false);
  assert.deepEqual(local.permissions.write, ["<scratch>", "/tmp/docket-dst"]);
  assert.ok(!local.deno_flags.includes("--allow-net"));
});
