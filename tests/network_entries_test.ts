/**
 * A `network` entry means one host (and port) in every layer: Deno's --allow-net also takes
 * `*` (any host), CIDR ranges (`10.0.0.1/0` is all of IPv4) and `*.name` wildcards, which the
 * report showed as one host while Deno granted them all. Only host, host:port and IP literals
 * load; the declared host:port is reached (the positive control).
 */
import assert from "node:assert/strict";
import { loopbackServer, withHome } from "./helpers.ts";

Deno.test("network entries Deno would widen (*, CIDR, wildcards) are load errors; a declared host:port is reached", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const fetcher = (entry: string, path: string) =>
        `{ network: [${
          JSON.stringify(entry)
        }], run: async () => { const r = await fetch("http://127.0.0.1:${srv.port}/${path}"); await r.text(); return { ok: true, summary: "reached" } } }`;
      const wide = ["10.0.0.1/0", "*", "*.0.0.1", "127.0.0.1/8"];
      wide.forEach((e, i) => h.task(`wide${i}`, fetcher(e, `wide${i}`)));
      h.task("narrow", fetcher(`127.0.0.1:${srv.port}`, "narrow"));
      for (let i = 0; i < wide.length; i++) {
        const r = await h.run(["--json", "run", `wide${i}`]);
        assert.equal(r.json.error?.kind, "task_load_failed", `${wide[i]}: ${r.stdout}`);
        assert.match(r.json.error.message, /network entry/, r.stdout);
      }
      assert.deepEqual(srv.hits, [], "a widened entry reached the server");
      const ok = await h.run(["--json", "run", "narrow"]);
      assert.equal(ok.json.status, "succeeded", ok.stdout);
      assert.deepEqual(srv.hits, ["GET /narrow"]);
    });
  } finally {
    await srv.close();
  }
});
