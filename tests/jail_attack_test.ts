/**
 * A hostile task author against the OS layer (real bwrap, the real CLI). Each attack has its
 * positive control: the same effect with the grant declared, or the same probe unjailed.
 */
import assert from "node:assert/strict";
import { exists, Home, MAIN, withHome } from "./helpers.ts";
import { command, frozenRunnerDeadline, ROOT, runJson, withArg } from "./jail_helpers.ts";

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
    await frozenRunnerDeadline(h, "stopper", arg);
  });
});

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
