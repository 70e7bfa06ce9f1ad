/**
 * A hostile task author against the OS layer (real bwrap, the real CLI). Each attack has its
 * positive control: the same effect with the grant declared, or the same probe unjailed.
 */
import assert from "node:assert/strict";
import { exists, Home, loopbackServer, MAIN, until, withHome } from "./helpers.ts";

export function command(name: string, sh: string, extra = ""): string {
  return `  ${name}:\n    type: command\n    command: ["sh", "-c", ${
    JSON.stringify(sh)
  }]\n${extra}`;
}

export async function runJson(h: Home, task: string) {
  const r = await h.run(["--json", "run", task]);
  assert.ok(r.json?.details, `${r.stdout}\n${r.stderr}`);
  return r.json;
}

const ROOT = Deno.uid() === 0;

Deno.test({
  name:
    "jail attack: root's capabilities are dropped: no umount of the masks, no rw remount, no mknod; file work as root still works",
  ignore: !ROOT,
  fn: async () => {
    const outside = Deno.makeTempDirSync({
      dir: Deno.env.get("HOME") ?? "/root",
      prefix: ".docket-caps-",
    });
    try {
      await withHome(async (h) => {
        await h.run(["--json", "list"]); // creates the state DB
        const db = h.stateDb;
        const attack = [
          `umount ${db}; head -c 15 ${db}; echo`,
          `umount -l /tmp; ls /tmp`,
          `mount -o remount,bind,rw / && echo pwned > ${outside}/remounted`,
          `mknod "$DOCKET_SCRATCH_DIR/disk" b 1 3 && echo MKNOD`,
          "grep CapEff /proc/self/status",
          "true",
        ].join("; ");
        const own = `${outside}/own`;
        Deno.mkdirSync(own);
        Deno.writeTextFileSync(`${own}/secret`, "nobody's\n");
        Deno.chownSync(`${own}/secret`, 65534, 65534);
        Deno.chmodSync(`${own}/secret`, 0o600);
        const rootWork = `cat ${own}/secret && touch ${own}/f && chown 65534 ${own}/f && ` +
          `echo granted > ${outside}/declared`;
        h.config(
          "tasks:\n" + command("attack", attack) +
            command("root_work", rootWork, `    destructive: true\n    writes: [${outside}]\n`),
        );
        const a = await runJson(h, "attack");
        assert.equal(a.details.sandbox?.os, "bwrap", JSON.stringify(a));
        assert.doesNotMatch(a.details.stdout, /SQLite format/, "the state DB stays hidden");
        assert.doesNotMatch(a.details.stdout, /MKNOD/, "no device node");
        assert.equal(exists(`${outside}/remounted`), false, "the root stays read-only");
        const eff = BigInt(`0x${/CapEff:\s*([0-9a-f]+)/.exec(a.details.stdout)![1]}`);
        assert.equal((eff >> 21n) & 1n, 0n, "no CAP_SYS_ADMIN in the jail");
        assert.equal((eff >> 2n) & 1n, 0n, "no CAP_DAC_READ_SEARCH (open_by_handle_at)");

        // Positive control: a root task still reads any file, chowns, and writes its grant.
        const w = await runJson(h, "root_work");
        assert.equal(w.status, "succeeded", JSON.stringify(w));
        assert.match(w.details.stdout, /nobody's/);
        assert.equal(Deno.statSync(`${own}/f`).uid, 65534);
        assert.equal(Deno.readTextFileSync(`${outside}/declared`), "granted\n");
      });
    } finally {
      Deno.removeSync(outside, { recursive: true });
    }
  },
});

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

Deno.test({
  name:
    "jail attack: kernel knobs in /proc/sys stay read-only (core_pattern, hostname); unjailed root writes them",
  ignore: !ROOT,
  fn: async () => {
    await withHome(async (h) => {
      // Each writes back the value it read: harmless, and it tells whether the write is allowed.
      const sh = "for k in kernel/core_pattern kernel/hostname; do v=$(cat /proc/sys/$k); " +
        'printf "%s\\n" "$v" > /proc/sys/$k && echo "WROTE $k"; done; true';
      h.config(
        "tasks:\n" + command("knobs", sh) + command("knobs_off", sh, "    sandbox: { os: off }\n"),
      );
      const r = await runJson(h, "knobs");
      assert.equal(r.details.sandbox?.os, "bwrap", JSON.stringify(r));
      assert.doesNotMatch(r.details.stdout, /WROTE/, r.details.stdout);
      assert.match(r.details.stderr, /Read-only file system/);
      const off = await runJson(h, "knobs_off");
      assert.match(off.details.stdout, /WROTE kernel\/core_pattern/, "positive control: root can");
    });
  },
});

Deno.test("jail attack: a file descriptor docket inherited does not reach the jailed task (nor through /proc/1/fd)", async () => {
  const dir = Deno.makeTempDirSync({ dir: Deno.env.get("HOME") ?? "/root", prefix: ".docket-fd-" });
  const target = `${dir}/target`;
  try {
    await withHome(async (h) => {
      h.config(
        "tasks:\n" +
          command("leak", "echo leak >&7; echo viaproc > /proc/1/fd/7; ls -l /proc/self/fd; true"),
      );
      // A parent that hands docket an extra open fd 7 (a shell redirect, a tool runner).
      const sh = `exec 7>>"$1"; echo control >&7; shift; exec "$@"`;
      const out = await new Deno.Command("sh", {
        args: ["-c", sh, "sh", target, Deno.execPath(), "run", "-A", MAIN, "--json", "run", "leak"],
        env: h.env,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const r = JSON.parse(new TextDecoder().decode(out.stdout));
      assert.equal(r.details.sandbox?.os, "bwrap", JSON.stringify(r));
      assert.doesNotMatch(r.details.stdout, / 7 -> /, "fd 7 is not open in the jail");
      // Positive control: the fd was open and writable in docket's parent.
      assert.equal(Deno.readTextFileSync(target), "control\n", "nothing written through fd 7");
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
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

Deno.test("jail attack: a program started through exec erases the audit log; the audit says it is forgeable (not without exec)", async () => {
  await withHome(async (h) => {
    const body = (exec: boolean) =>
      `{ description: "d", network: false${exec ? ', exec: ["sh"]' : ""}, async run() {
        try { await Deno.readTextFile("/etc/shadow"); } catch { /* denied */ }
        ${
        exec
          ? `await new Deno.Command("sh", { args: ["-c", ': > "$DENO_AUDIT_PERMISSIONS"'] }).output();`
          : ""
      }
        return { ok: true, summary: "s" };
      } }`;
    h.task("eraser", body(true));
    h.task("plain", body(false));
    await h.run(["--json", "trust", "eraser"]);
    await h.run(["--json", "trust", "plain"]);
    const plain = (await h.run(["--json", "run", "plain", "--audit"])).json;
    assert.equal(plain.status, "succeeded", JSON.stringify(plain));
    assert.deepEqual(plain.details.audit.denied, [{ permission: "read", value: "/etc/shadow" }]);
    assert.equal(plain.details.audit.forgeable, false);
    const er = (await h.run(["--json", "run", "eraser", "--audit"])).json;
    assert.equal(er.status, "succeeded", JSON.stringify(er));
    assert.deepEqual(er.details.audit.denied, [], "the program erased the denied read");
    assert.equal(er.details.audit.forgeable, true, "and the report says it cannot be trusted");
    assert.ok(er.details.audit.notes.some((n: string) => /not evidence/.test(n)));
  });
});

Deno.test("jail attack: with its runner frozen, a task that stops or traces the jail's timeout still ends at timeout + grace", async () => {
  await withHome(async (h) => {
    const arg = `3003.${Math.floor(Math.random() * 1e6)}`;
    // Every way a task has to stop the deadline's process: SIGSTOP its parent and pid 1.
    const sh = `kill -STOP $PPID 1 2>/dev/null; sleep ${arg}`;
    h.config(
      "tasks:\n" +
        command("stopper", sh, "    timeout_seconds: 1\n    kill_grace_seconds: 1\n"),
    );
    const r = await h.run(["--json", "run", "stopper", "--async"]);
    assert.equal(r.json.status, "running", JSON.stringify(r.json));
    const runner = r.json.pid as number;
    await until(() => withArg(arg).length > 0, 10000, "the task to start");
    Deno.kill(runner, "SIGSTOP");
    try {
      await until(() => withArg(arg).length === 0, 15000, "the jail's deadline to end the task");
    } finally {
      Deno.kill(runner, "SIGCONT");
    }
    const w = await h.run(["--json", "wait", r.json.run_id, "--timeout", "20"]);
    assert.notEqual(w.json.status, "succeeded", JSON.stringify(w.json));
  });
});

/** Processes whose argv contains `token` and are not zombies (host view of /proc). */
function withArg(token: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      const st = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (argv.includes(token) && st.slice(st.lastIndexOf(")") + 2)[0] !== "Z") {
        out.push(Number(e.name));
      }
    } catch {
      // gone
    }
  }
  return out;
}

Deno.test("jail attack: unjailed (sandbox.os: off) a setsid daemon with a cleared environment outlives the run, so processes is advisory there; jailed it is gone", async () => {
  await withHome(async (h) => {
    const arg = `77.${Math.floor(Math.random() * 1e6)}`;
    const sh = `setsid env -i sh -c 'sleep ${arg} &'; true`;
    h.config(
      "tasks:\n" + command("off", sh, "    sandbox: { os: off }\n") + command("jailed", sh),
    );
    const off = await runJson(h, "off");
    const strays = withArg(arg);
    try {
      assert.equal(off.status, "succeeded", JSON.stringify(off));
      assert.ok(strays.length > 0, "the cleared-environment daemon escaped docket's sweep");
      const d = await h.run(["--json", "describe", "off"]);
      assert.equal(d.json.task.permissions.enforced_by.processes, "advisory", "and it says so");
    } finally {
      for (const p of strays) Deno.kill(p, "SIGKILL");
    }
    const j = await runJson(h, "jailed");
    assert.equal(j.details.sandbox?.os, "bwrap");
    assert.deepEqual(withArg(arg), [], "jailed, the PID namespace took it");
    const dj = await h.run(["--json", "describe", "jailed"]);
    assert.equal(dj.json.task.permissions.enforced_by.processes, "os");
  });
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

Deno.test("jail attack: a task that writes anywhere still cannot plant a state.db-journal or read the cache key; it writes elsewhere", async () => {
  const outside = Deno.makeTempDirSync({
    dir: Deno.env.get("HOME") ?? "/root",
    prefix: ".docket-wa-",
  });
  // The home outside /tmp, as installed (under /tmp the mask makes all of it read-only).
  const h = new Home(outside);
  try {
    {
      await h.run(["--json", "list"]); // the state DB and the cache key exist
      const key = `${h.dir}/cache.key`;
      assert.ok(exists(key));
      const sh = `od -An -tx1 ${key} | tr -d ' \\n'; echo; echo junk > ${h.stateDb}-journal; ` +
        `echo anywhere > ${outside}/f; true`;
      h.config(
        "tasks:\n" + command("wa", sh, "    destructive: true\n") +
          command("wa_off", sh, "    destructive: true\n    sandbox: { os: off }\n"),
      );
      const hex = [...Deno.readFileSync(key)].map((b) => b.toString(16).padStart(2, "0")).join("");
      const r = await runJson(h, "wa");
      assert.equal(r.details.sandbox?.os, "bwrap", JSON.stringify(r));
      assert.equal(exists(`${h.stateDb}-journal`), false, "no journal planted beside the DB");
      assert.ok(!r.details.stdout.includes(hex), "the cache key is hidden");
      assert.equal(Deno.readTextFileSync(`${outside}/f`), "anywhere\n", "positive control");
      const off = await runJson(h, "wa_off");
      assert.ok(off.details.stdout.includes(hex), "positive control: unjailed it reads the key");
      Deno.removeSync(`${h.stateDb}-journal`);
    }
  } finally {
    h.cleanup();
    Deno.removeSync(outside, { recursive: true });
  }
});

Deno.test("jail attack: a symlink a run leaves inside its writes does not steer the next run's binds outside them", async () => {
  const base = Deno.makeTempDirSync({
    dir: Deno.env.get("HOME") ?? "/root",
    prefix: ".docket-ln-",
  });
  const data = `${base}/data`;
  const target = `${base}/target`; // stands for /etc/profile.d
  Deno.mkdirSync(data);
  Deno.mkdirSync(target);
  try {
    await withHome(async (h) => {
      const sh =
        `echo in > ${data}/ok; if [ -L ${data}/sub ]; then echo pwned > ${data}/sub/evil.sh; ` +
        `else mv ${data}/sub ${data}/old 2>/dev/null; ln -s ${target} ${data}/sub; fi; true`;
      h.config(
        "tasks:\n" +
          command(
            "nest",
            sh,
            `    destructive: true\n    writes: [${data}, ${data}/sub/evil.sh]\n`,
          ),
      );
      for (let i = 0; i < 3; i++) {
        const r = await runJson(h, "nest");
        assert.equal(r.details.sandbox?.os, "bwrap", JSON.stringify(r));
      }
      assert.deepEqual([...Deno.readDirSync(target)], [], "nothing created or written there");
      assert.equal(Deno.readTextFileSync(`${data}/ok`), "in\n", "positive control: writes hold");
      assert.ok(Deno.lstatSync(`${data}/sub`).isSymlink, "the run did plant its symlink");
    });
  } finally {
    Deno.removeSync(base, { recursive: true });
  }
});
