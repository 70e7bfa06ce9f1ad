/**
 * The OS layer (bubblewrap) through the real CLI: real bwrap, real servers on 127.0.0.1, real
 * processes. Every denial has its positive control (the same task with the grant does it).
 */
import assert from "node:assert/strict";
import { exists, type Home, loopbackServer, until, withHome } from "./helpers.ts";
import { frozenRunnerDeadline, withArg } from "./jail_helpers.ts";

function command(name: string, sh: string, extra = ""): string {
  return `  ${name}:\n    type: command\n    command: ["sh", "-c", ${
    JSON.stringify(sh)
  }]\n${extra}`;
}

Deno.test("os sandbox: a command task with network: false cannot reach a loopback server; network: true can", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const curl = `curl -sS -m 5 http://127.0.0.1:${srv.port}/probe`;
      h.config(
        "tasks:\n" + command("closed", curl) +
          command("open", curl, "    network: true\n") +
          command("listed", curl, `    network: ["127.0.0.1:${srv.port}"]\n`),
      );
      const closed = await h.run(["--json", "run", "closed"]);
      assert.equal(closed.json.status, "failed", JSON.stringify(closed.json));
      assert.equal(closed.json.details.sandbox.os, "bwrap");
      assert.equal(closed.json.details.sandbox.network, "none");
      assert.deepEqual(srv.hits, [], "the server saw no request");

      const open = await h.run(["--json", "run", "open"]);
      assert.equal(open.json.status, "succeeded", JSON.stringify(open.json));
      assert.equal(srv.hits.length, 1, "network: true reaches the server");
      const listed = await h.run(["--json", "run", "listed"]);
      assert.equal(listed.json.status, "succeeded", JSON.stringify(listed.json));
      assert.equal(srv.hits.length, 2, "the declared port is reached");

      const caps = await h.run(["--json", "capabilities"]);
      const by = Object.fromEntries(
        caps.json.tasks.map((t: { name: string; permissions: { enforced_by: unknown } }) => [
          t.name,
          t.permissions.enforced_by,
        ]),
      );
      assert.equal(by.closed.network, "os");
      assert.equal(by.closed.write, "os");
      assert.equal(by.closed.processes, "os");
      assert.equal(by.listed.network, "os", "an allow-list: no interfaces plus docket's proxy");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("os sandbox: a write outside the declared paths fails and leaves no file; inside works", async () => {
  const outside = Deno.makeTempDirSync({
    dir: Deno.env.get("HOME") ?? "/root",
    prefix: ".docket-os-",
  });
  try {
    await withHome(async (h) => {
      const out = `${h.dir}/out`;
      Deno.mkdirSync(out);
      const sh = `echo in > ${out}/ok.txt; echo out > ${outside}/escaped.txt`;
      h.config(
        "tasks:\n" + command("w", sh, `    destructive: true\n    writes: [${out}]\n`),
      );
      const r = await h.run(["--json", "run", "w"]);
      assert.equal(r.json.status, "failed", "the shell reports the refused write");
      assert.match(r.json.details.stderr, /Read-only file system/);
      assert.equal(exists(`${outside}/escaped.txt`), false, "nothing written outside");
      assert.equal(Deno.readTextFileSync(`${out}/ok.txt`), "in\n", "the declared path is writable");
    });
  } finally {
    Deno.removeSync(outside, { recursive: true });
  }
});

Deno.test("os sandbox: the state DB, the config and other runs' scratch dirs are invisible (visible with sandbox.os: off)", async () => {
  const other = Deno.makeTempDirSync({ prefix: "docket-20990101T000000000000Z-other-" });
  Deno.writeTextFileSync(`${other}/secret`, "s3cret");
  try {
    await withHome(async (h) => {
      const sh = `cat ${other}/secret; head -c 15 ${h.stateDb}; cat ${h.dir}/config.yaml; true`;
      h.config(
        "tasks:\n" + command("peek", sh) +
          command("peek_off", sh, "    sandbox: { os: off }\n"),
      );
      await h.run(["--json", "list"]); // creates the state DB
      assert.ok(exists(h.stateDb));
      const r = await h.run(["--json", "run", "peek"]);
      assert.equal(r.json.status, "succeeded", JSON.stringify(r.json));
      assert.doesNotMatch(r.json.details.stdout, /s3cret|SQLite format|tasks:/);
      const off = await h.run(["--json", "run", "peek_off"]);
      assert.match(off.json.details.stdout, /s3cret/, "positive control: unjailed, it reads them");
      assert.match(off.json.details.stdout, /SQLite format/);
    });
  } finally {
    Deno.removeSync(other, { recursive: true });
  }
});

Deno.test("os sandbox: a setsid grandchild is gone when the run ends; unjailed, docket stops it by run id", async () => {
  await withHome(async (h) => {
    const jailedArg = `3000.${Math.floor(Math.random() * 1e6)}`;
    const openArg = `3001.${Math.floor(Math.random() * 1e6)}`;
    h.config(
      "tasks:\n" +
        command("daemon", `setsid sleep ${jailedArg} > /dev/null 2>&1 < /dev/null & echo started`) +
        command(
          "daemon_off",
          `setsid sleep ${openArg} > /dev/null 2>&1 < /dev/null & echo started`,
          "    sandbox: { os: off }\n",
        ),
    );
    const r = await h.run(["--json", "run", "daemon"]);
    assert.equal(r.json.status, "succeeded", JSON.stringify(r.json));
    await until(() => withArg(jailedArg).length === 0, 5000, "the jailed daemon to be gone");
    const off = await h.run(["--json", "run", "daemon_off"]);
    assert.equal(off.json.status, "succeeded", JSON.stringify(off.json));
    assert.ok(off.json.details.leftovers_stopped >= 1, JSON.stringify(off.json.details));
    await until(() => withArg(openArg).length === 0, 5000, "the unjailed daemon to be gone");
  });
});

Deno.test("os sandbox: a TS task with exec: [sh] cannot reach the network through sh -c curl", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const body = (net: string) =>
        `{ description: "sh", exec: ["sh"], network: ${net}, async run() {
          const o = await new Deno.Command("sh", { args: ["-c", "curl -sS -m 5 http://127.0.0.1:${srv.port}/x"] }).output();
          return { ok: o.code === 0, summary: "curl exited " + o.code };
        } }`;
      h.task("shnet", body("false"));
      h.task("shnet_open", body("true"));
      const r = await h.run(["--json", "run", "shnet"]);
      assert.equal(r.json.status, "failed", JSON.stringify(r.json));
      assert.deepEqual(srv.hits, [], "the server saw no request");
      const open = await h.run(["--json", "run", "shnet_open"]);
      assert.equal(open.json.status, "succeeded", JSON.stringify(open.json));
      assert.equal(srv.hits.length, 1);
    });
  } finally {
    await srv.close();
  }
});

Deno.test("os sandbox: sandbox.os: required refuses when bwrap is absent (PATH); auto runs and says why", async () => {
  await withHome(async (h) => {
    const bin = `${h.dir}/bin`;
    Deno.mkdirSync(bin);
    Deno.symlinkSync("/bin/sh", `${bin}/sh`);
    const out = Deno.makeTempDirSync({
      dir: Deno.env.get("HOME") ?? "/root",
      prefix: ".docket-os-",
    });
    try {
      const sh = `echo ran > ${out}/ran.txt`;
      h.config(
        "sandbox:\n  os: required\ntasks:\n" +
          command("req", sh, `    destructive: true\n    writes: [${out}]\n`) +
          command(
            "auto",
            sh,
            `    destructive: true\n    writes: [${out}]\n    sandbox: { os: auto }\n`,
          ),
      );
      const env = { PATH: bin };
      const r = await h.run(["--json", "run", "req"], { env });
      assert.equal(r.code, 1);
      assert.equal(r.json.error.kind, "sandbox_unavailable", JSON.stringify(r.json));
      assert.match(r.json.error.message, /bwrap/);
      assert.equal(exists(`${out}/ran.txt`), false, "the task never ran");
      const doctor = await h.run(["--json", "doctor"], { env });
      const check = doctor.json.checks.find((c: { name: string }) => c.name === "os sandbox");
      assert.ok(check && check.status !== "ok", JSON.stringify(doctor.json.checks));
      assert.match(check.message, /bwrap/);

      const a = await h.run(["--json", "run", "auto"], { env });
      assert.equal(a.json.status, "succeeded", JSON.stringify(a.json));
      assert.equal(a.json.details.sandbox.os, null);
      assert.match(a.json.details.sandbox.reason, /bwrap/);
      assert.ok(exists(`${out}/ran.txt`), "positive control: auto runs it unjailed");
      const ok = await h.run(["--json", "doctor"]);
      const good = ok.json.checks.find((c: { name: string }) => c.name === "os sandbox");
      assert.equal(good.status, "ok", JSON.stringify(good));
    } finally {
      Deno.removeSync(out, { recursive: true });
    }
  });
});

Deno.test("os sandbox: a frozen runner cannot extend a command task past timeout + grace", async () => {
  await withHome(async (h) => {
    const arg = `3002.${Math.floor(Math.random() * 1e6)}`;
    h.config(
      "tasks:\n" +
        command("slow", `sleep ${arg}`, "    timeout_seconds: 1\n    kill_grace_seconds: 1\n"),
    );
    await frozenRunnerDeadline(h, "slow", arg);
  });
});

Deno.test("os sandbox: the built-in rsync backup runs jailed without network and writes only its destination", async () => {
  await withHome(async (h: Home) => {
    const src = `${h.dir}/src`;
    const dst = `${h.dir}/dst`;
    Deno.mkdirSync(src);
    Deno.writeTextFileSync(`${src}/a.txt`, "a");
    h.config(`tasks:\n  backup:\n    tool: rsync\n    source: ${src}\n    remote: ${dst}\n`);
    const r = await h.run(["--json", "run", "backup"]);
    assert.equal(r.json.status, "succeeded", JSON.stringify(r.json));
    assert.equal(r.json.details.sandbox.os, "bwrap");
    assert.equal(r.json.details.sandbox.network, "none");
    assert.equal(Deno.readTextFileSync(`${dst}/a.txt`), "a");
    const d = await h.run(["--json", "describe", "backup"]);
    const argv: string[] = d.json.task.child_argv;
    assert.ok(argv.includes("--unshare-net"), argv.join(" "));
    assert.equal(argv[argv.indexOf(dst) - 1], "--bind", "only the destination is writable");
  });
});

Deno.test("os sandbox: an allow-list reaches the declared port (proxy, CONNECT, direct) and not another; denials reported", async () => {
  const a = loopbackServer();
  const b = loopbackServer();
  try {
    await withHome(async (h) => {
      const c = (label: string, url: string, flags = "") =>
        `curl ${flags} -sS -m 5 -o /dev/null -w '${label} %{http_code}\\n' ${url} 2>/dev/null;`;
      const A = `http://127.0.0.1:${a.port}/`;
      const B = `http://127.0.0.1:${b.port}/`;
      const sh = c("proxy-a", A) + c("proxy-b", B) + c("connect-a", A, "-p") +
        c("connect-b", B, "-p") + c("direct-a", A, "--noproxy '*'") +
        c("direct-b", B, "--noproxy '*'") + c("name-a", `http://localhost:${a.port}/`) + " true";
      h.config(
        "tasks:\n" +
          command("listed", sh, `    network: ["127.0.0.1:${a.port}", "localhost:${a.port}"]\n`),
      );
      const r = await h.run(["--json", "run", "listed"]);
      assert.equal(r.json.status, "succeeded", JSON.stringify(r.json));
      const got = Object.fromEntries(
        (r.json.details.stdout as string).trim().split("\n").map((l) => l.split(" ")),
      );
      assert.deepEqual(got, {
        "proxy-a": "200",
        "proxy-b": "403",
        "connect-a": "200",
        "connect-b": "000",
        "direct-a": "200",
        "direct-b": "000",
        "name-a": "200",
      });
      assert.equal(a.hits.length, 4, "the declared port saw the allowed requests");
      assert.deepEqual(b.hits, [], "the other port saw nothing");
      assert.deepEqual(r.json.details.sandbox.denied, [`127.0.0.1:${b.port}`]);
    });
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("os sandbox: cancel reaches the jailed task with SIGTERM (grace), then ends the jail with what ignores it", async () => {
  await withHome(async (h) => {
    const graceful = `3003.${Math.floor(Math.random() * 1e6)}`;
    const stubborn = `3004.${Math.floor(Math.random() * 1e6)}`;
    h.config(
      "tasks:\n" +
        command("polite", `trap 'echo got-term; exit 3' TERM; sleep ${graceful} & wait`) +
        command(
          "stubborn",
          `trap '' TERM; setsid sleep ${stubborn} & sleep ${stubborn} & wait`,
          "    kill_grace_seconds: 1\n",
        ),
    );
    const p = await h.run(["--json", "run", "polite", "--async"]);
    await until(() => withArg(graceful).length > 0, 10000, "the polite task to start");
    const c = await h.run(["--json", "cancel", p.json.run_id]);
    assert.equal(c.json.status, "cancelled", JSON.stringify(c.json));
    assert.match(Deno.readTextFileSync(c.json.log_path), /got-term/, "SIGTERM reached the task");
    await until(() => withArg(graceful).length === 0, 5000, "its sleep to be gone");

    const s = await h.run(["--json", "run", "stubborn", "--async"]);
    await until(() => withArg(stubborn).length === 2, 10000, "the stubborn task to start");
    const c2 = await h.run(["--json", "cancel", s.json.run_id]);
    assert.equal(c2.json.status, "cancelled", JSON.stringify(c2.json));
    await until(() => withArg(stubborn).length === 0, 5000, "everything in the jail to be gone");
  });
});

Deno.test("os sandbox: kill -9 of the runner ends the jail with it (die-with-parent)", async () => {
  await withHome(async (h) => {
    const arg = `3005.${Math.floor(Math.random() * 1e6)}`;
    h.config("tasks:\n" + command("victim", `setsid sleep ${arg} & sleep ${arg}`));
    const r = await h.run(["--json", "run", "victim", "--async"]);
    await until(() => withArg(arg).length === 2, 10000, "the task to start");
    Deno.kill(r.json.pid, "SIGKILL");
    await until(() => withArg(arg).length === 0, 5000, "the jail to die with its runner");
    const w = await h.run(["--json", "wait", r.json.run_id, "--timeout", "10"]);
    assert.equal(w.json.status, "lost", JSON.stringify(w.json));
  });
});

Deno.test("os sandbox: /tmp is private to the jail; a declared reads path there is bound back read-only", async () => {
  const dir = Deno.makeTempDirSync({ prefix: "docket-os-reads-" });
  Deno.writeTextFileSync(`${dir}/in.txt`, "visible");
  try {
    await withHome(async (h) => {
      const sh = `cat ${dir}/in.txt; echo x > ${dir}/new.txt`;
      h.config(
        "tasks:\n" + command("blind", sh) + command("reader", sh, `    reads: ["${dir}"]\n`),
      );
      const blind = await h.run(["--json", "run", "blind"]);
      assert.equal(blind.json.status, "failed");
      assert.doesNotMatch(blind.json.details.stdout, /visible/);
      const r = await h.run(["--json", "run", "reader"]);
      assert.match(r.json.details.stdout, /visible/, "the declared read is there");
      assert.match(r.json.details.stderr, /Read-only file system/, "and read-only");
      assert.equal(exists(`${dir}/new.txt`), false);
    });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
