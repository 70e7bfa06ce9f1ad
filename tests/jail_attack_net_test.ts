/**
 * A hostile task author against the OS layer's network side (real bwrap, the real CLI). Each
 * attack has its positive control: the same effect with the grant declared, or unjailed.
 */
import assert from "node:assert/strict";
import { loopbackServer, MAIN, until, withHome } from "./helpers.ts";
import { command, ROOT, runJson } from "./jail_helpers.ts";

Deno.test("jail attack: with TMPDIR outside /tmp, another run's proxy socket and scratch dir stay hidden", async () => {
  const base = Deno.makeTempDirSync({
    dir: Deno.env.get("HOME") ?? "/root",
    prefix: ".docket-tmp-",
  });
  const tmp = `${base}/tmp`;
  Deno.mkdirSync(tmp);
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const url = `http://127.0.0.1:${srv.port}`;
      const holder = `curl -sS -m 5 ${url}/holder; echo s3cret > "$DOCKET_SCRATCH_DIR/secret"; ` +
        `i=0; while [ ! -e ${base}/done ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`;
      const thief =
        `for s in ${tmp}/docket-net-*/proxy.sock; do curl -sS -m 3 --unix-socket "$s" ` +
        `--request-target ${url}/stolen http://x/; done; cat ${tmp}/docket-*/secret; true`;
      h.config(
        "tasks:\n" + command("holder", holder, `    network: ["127.0.0.1:${srv.port}"]\n`) +
          command("thief", thief),
      );
      const env = { TMPDIR: tmp };
      const p = h.spawn(["--json", "run", "holder"], { env });
      await until(
        () => [...Deno.readDirSync(tmp)].some((e) => e.name.startsWith("docket-net-")),
        15000,
        "the holder's proxy",
      );
      await until(() => srv.hits.includes("GET /holder"), 15000, "the holder's own request");
      const t = await h.run(["--json", "run", "thief"], { env });
      Deno.writeTextFileSync(`${base}/done`, "");
      const out = await p.output();
      const held = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(held.status, "succeeded", JSON.stringify(held));
      assert.equal(t.json.details.sandbox?.os, "bwrap", JSON.stringify(t.json));
      assert.deepEqual(srv.hits, ["GET /holder"], "the thief's request never reached the server");
      assert.doesNotMatch(t.json.details.stdout, /s3cret/, "another run's scratch is hidden");
    });
  } finally {
    await srv.close();
    Deno.removeSync(base, { recursive: true });
  }
});

Deno.test("jail attack: network: false reaches no named Unix socket outside the masks (also from a TS task's exec); network: true does", async () => {
  const dir = Deno.makeTempDirSync({
    dir: Deno.env.get("HOME") ?? "/root",
    prefix: ".docket-uds-",
  });
  const path = `${dir}/db.sock`;
  const hits: string[] = [];
  const l = Deno.listen({ transport: "unix", path });
  const serving = (async () => {
    for await (const c of l) {
      hits.push("conn");
      await c.read(new Uint8Array(4096)).catch(() => null);
      await c.write(new TextEncoder().encode("HTTP/1.0 200 OK\r\n\r\nREACHED\n")).catch(() => 0);
      c.close();
    }
  })().catch(() => {});
  try {
    await withHome(async (h) => {
      const curl = `curl -sS -m 3 --unix-socket ${path} http://x/`;
      h.task(
        "ts_exec",
        `{ description: "d", network: false, exec: ["sh"], async run() {
          const o = await new Deno.Command("sh", { args: ["-c", ${
          JSON.stringify(curl + "; true")
        }] }).output();
          return { ok: true, summary: "s", details: { out: new TextDecoder().decode(o.stdout) } };
        } }`,
      );
      h.config(
        "tasks:\n" + command("closed", curl) + command("open", curl, "    network: true\n"),
      );
      const closed = await runJson(h, "closed");
      assert.equal(closed.details.sandbox?.os, "bwrap", JSON.stringify(closed));
      assert.equal(closed.status, "failed");
      const ts = await runJson(h, "ts_exec");
      assert.equal(ts.status, "succeeded", JSON.stringify(ts));
      assert.doesNotMatch(JSON.stringify(ts.details), /REACHED/);
      assert.deepEqual(hits, [], "the socket's server saw no connection");
      const open = await runJson(h, "open");
      assert.equal(open.status, "succeeded", JSON.stringify(open));
      assert.match(open.details.stdout, /REACHED/, "positive control: network: true reaches it");
      assert.equal(hits.length, 1);
    });
  } finally {
    l.close();
    await serving;
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("jail attack: the allow-list proxy passes only the listed host:port (decimal, octal, trailing dot, v6-mapped, userinfo, CONNECT); a listed localhost:PORT is forwarded", async () => {
  const ok = loopbackServer();
  const lh = loopbackServer();
  const bad = loopbackServer();
  try {
    await withHome(async (h) => {
      const t = (name: string, args: string) =>
        `printf '%s=' ${name}; curl -s -o /dev/null -w '%{http_code}\\n' -m 3 ${args};`;
      const B = bad.port;
      const sh = [
        t("allowed", `-x "$HTTP_PROXY" http://127.0.0.1:${ok.port}/ok`),
        t("other", `-x "$HTTP_PROXY" http://127.0.0.1:${B}/b1`),
        t("connect", `-p -x "$HTTP_PROXY" http://127.0.0.1:${B}/b2`),
        t("decimal", `-x "$HTTP_PROXY" http://2130706433:${B}/b3`),
        t("octal", `-x "$HTTP_PROXY" http://0177.0.0.1:${B}/b4`),
        t("dot", `-x "$HTTP_PROXY" http://localhost.:${B}/b5`),
        t("mapped", `-x "$HTTP_PROXY" 'http://[::ffff:127.0.0.1]:${B}/b6'`),
        t("userinfo", `-x "$HTTP_PROXY" 'http://127.0.0.1:${ok.port}@127.0.0.1:${B}/b7'`),
        t("host", `-x "$HTTP_PROXY" -H 'Host: 127.0.0.1:${B}' http://127.0.0.1:${ok.port}/h`),
        t("direct", `--noproxy '*' http://127.0.0.1:${B}/b8`),
        t("lhfwd", `--noproxy '*' http://127.0.0.1:${lh.port}/lh`),
        "true",
      ].join(" ");
      h.config(
        "tasks:\n" +
          command("px", sh, `    network: ["127.0.0.1:${ok.port}", "localhost:${lh.port}"]\n`),
      );
      const r = await runJson(h, "px");
      assert.equal(r.status, "succeeded", JSON.stringify(r));
      assert.deepEqual(bad.hits, [], `nothing reached the unlisted port: ${r.details.stdout}`);
      assert.deepEqual(ok.hits, ["GET /ok", "GET /h"], "positive control: the listed port");
      assert.deepEqual(lh.hits, ["GET /lh"], "the listed localhost:PORT is forwarded");
      assert.match(r.details.stdout, /other=403/);
    });
  } finally {
    await Promise.all([ok.close(), lh.close(), bad.close()]);
  }
});

Deno.test({
  name:
    "jail attack: in a root unit's envelope (PrivateUsers=yes, only CAP_SETFCAP) the jail still holds network: false",
  ignore: !ROOT,
  fn: async () => {
    const srv = loopbackServer();
    try {
      await withHome(async (h) => {
        const curl = `curl -sS -m 3 http://127.0.0.1:${srv.port}/probe`;
        h.config(
          "tasks:\n" + command("closed", curl) + command("open", curl, "    network: true\n"),
        );
        // The emulated unit (tests/unit_envelope.ts does the same for generated units).
        const envelope = [
          "--unshare-user",
          "--uid",
          "0",
          "--gid",
          "0",
          "--ro-bind",
          "/",
          "/",
          "--dev",
          "/dev",
          "--bind",
          "/proc",
          "/proc",
          "--bind",
          "/tmp",
          "/tmp",
          "--cap-drop",
          "ALL",
          "--cap-add",
          "CAP_SETFCAP",
          "--die-with-parent",
          "--",
        ];
        const run = async (task: string) => {
          const out = await new Deno.Command("bwrap", {
            args: [...envelope, Deno.execPath(), "run", "-A", MAIN, "--json", "run", task],
            env: { ...h.env, DENO_DIR: Deno.env.get("DENO_DIR") ?? "" },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const text = new TextDecoder().decode(out.stdout);
          try {
            return JSON.parse(text);
          } catch {
            throw new Error(`${text}\n${new TextDecoder().decode(out.stderr)}`);
          }
        };
        const closed = await run("closed");
        assert.equal(closed.details.sandbox?.os, "bwrap", JSON.stringify(closed.details.sandbox));
        assert.equal(closed.status, "failed");
        assert.deepEqual(srv.hits, [], "the server saw no request");
        const open = await run("open");
        assert.equal(open.status, "succeeded", JSON.stringify(open));
        assert.deepEqual(srv.hits, ["GET /probe"], "positive control: network: true reaches it");
      });
    } finally {
      await srv.close();
    }
  },
});
