/**
 * The built-in tasks through the real CLI (`deno run -A main.ts`, temp DOCKET_HOME): real rsync
 * and rclone syncing local directories, a fake hbackup on PATH, health-check thresholds, the
 * idle timeout on a tool that stops printing, and each built-in's sandbox.
 */
import assert from "node:assert/strict";
import { exists, type Home, until, withHome } from "./helpers.ts";
import { fakeHbackupCalls, writeFakeHbackup } from "../tasks/lib/test_support.ts";

const REAL_HOME = Deno.env.get("HOME") ?? "/root";
/** Keeps Deno's cache when a test moves HOME (Deno would otherwise fetch npm packages again). */
const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${REAL_HOME}/.cache/deno`;

function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    if (e.isDirectory) out.push(...tree(`${dir}/${e.name}`, `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

/** source with two files and an excluded one, destination with a stale file, in the home. */
function dirs(h: Home) {
  const src = `${h.dir}/src`;
  const dst = `${h.dir}/dst`;
  Deno.mkdirSync(`${src}/sub`, { recursive: true });
  Deno.mkdirSync(dst);
  Deno.writeTextFileSync(`${src}/a.txt`, "alpha\n");
  Deno.writeTextFileSync(`${src}/sub/b.txt`, "b".repeat(3000));
  Deno.writeTextFileSync(`${src}/skip.tmp`, "scratch");
  Deno.writeTextFileSync(`${dst}/stale.txt`, "old");
  return { src, dst };
}

for (const tool of ["rsync", "rclone"] as const) {
  Deno.test(`run backup with ${tool}: mirrors the source, records the stats; --dry-run changes nothing`, async () => {
    await withHome(async (h) => {
      const { src, dst } = dirs(h);
      h.config(
        `tasks:\n  backup:\n    tool: ${tool}\n    source: ${src}\n    remote: ${dst}\n    excludes: ["*.tmp"]\n`,
      );
      const r = await h.run(["--json", "run", "backup"]);
      assert.equal(r.code, 0, JSON.stringify(r.json));
      assert.equal(r.json.status, "succeeded");
      assert.deepEqual(tree(dst), ["a.txt", "sub/b.txt"]);
      assert.equal(r.json.details.files_transferred, 2);
      assert.equal(r.json.details.bytes_transferred, 3006);
      assert.equal(r.json.details.errors, 0);

      Deno.writeTextFileSync(`${src}/new.txt`, "new");
      const dry = await h.run(["--json", "run", "backup", "--dry-run"]);
      assert.equal(dry.code, 2, JSON.stringify(dry.json));
      assert.equal(dry.json.status, "dry_run");
      assert.equal(dry.json.details.files_transferred, 1);
      assert.match(dry.json.summary, new RegExp(`^Dry run: ${tool} would transfer 1 file`));
      assert.deepEqual(tree(dst), ["a.txt", "sub/b.txt"], "the dry run copied nothing");
    });
  });
}

Deno.test("run backup: the idle timeout kills a tool that stops printing, and its process", async () => {
  await withHome(async (h) => {
    const bin = `${h.dir}/bin`;
    Deno.mkdirSync(bin);
    // Jailed, the tool has its own PID namespace: it is found by a unique argument instead.
    const token = `120.${Math.floor(Math.random() * 1e6)}`;
    Deno.writeTextFileSync(
      `${bin}/rsync`,
      `#!/bin/sh\nprintf '      1,024  10%%    1.00MB/s    0:00:09\\r'\nexec sleep ${token}\n`,
      { mode: 0o755 },
    );
    h.config(
      `tasks:\n  backup:\n    tool: rsync\n    source: ${h.dir}/src\n    remote: ${h.dir}/dst\n    idle_timeout_seconds: 1\n`,
    );
    const started = Date.now();
    const r = await h.run(["--json", "run", "backup"], {
      env: { PATH: `${bin}:${Deno.env.get("PATH")}` },
    });
    assert.equal(r.code, 1);
    assert.equal(r.json.status, "timeout", JSON.stringify(r.json));
    assert.ok(Date.now() - started < 30_000, "killed long before the tool would have ended");
    await until(() => !processWithArg(token), 5000, "the fake rsync to be gone");
    const log = Deno.readTextFileSync(r.json.log_path);
    assert.match(log, /10%/, "the tool's progress reached the run's log");
  });
});

Deno.test("run hbackup: a fake hbackup on PATH gets the mapped argv; archive_path is reported", async () => {
  await withHome(async (h) => {
    const bin = `${h.dir}/bin`;
    const home = `${h.dir}/home`;
    Deno.mkdirSync(bin);
    Deno.mkdirSync(home);
    writeFakeHbackup(bin);
    const out = `${home}/backups/nightly (1).tar.zst`;
    // The fake logs its argv next to itself: a declared write (the jail allows no other).
    h.config(
      `tasks:\n  hbackup:\n    action: auto\n    output: "~/backups/nightly (1).tar.zst"\n` +
        `    excludes: [target]\n    destination: "me@nas:/backups/"\n` +
        `    destructive: true\n    writes: ["${bin}", "${home}/backups"]\n`,
    );
    const env = { PATH: `${bin}:${Deno.env.get("PATH")}`, HOME: home, DENO_DIR };
    const dry = await h.run(["--json", "run", "hbackup", "--dry-run"], { env });
    assert.equal(dry.code, 2, JSON.stringify(dry.json));
    assert.match(dry.json.summary, /auto takes no options, so docket runs backup then upload/);
    // The dry run really ran `backup --dry-run` (the fake's dry-run count, 3 files, parsed from
    // its stderr), and, jailed to its scratch dir like any dry run, could not log its argv.
    assert.deepEqual(
      dry.json.details.steps.filter((s: { executed: boolean }) => s.executed)
        .map((s: { command: string[] }) => s.command.slice(1)),
      [["backup", "--dry-run", "-o", out, "-x", "target"]],
    );
    assert.equal(dry.json.details.would_archive_files, 3);
    assert.deepEqual(fakeHbackupCalls(bin), [], "a dry run writes no declared path");
    const r = await h.run(["--json", "run", "hbackup"], { env });
    assert.equal(r.code, 0, JSON.stringify(r.json));
    assert.equal(r.json.details.archive_path, out);
    assert.equal(r.json.details.uploaded, true);
    assert.deepEqual(fakeHbackupCalls(bin), [
      ["backup", "-o", out, "-x", "target"],
      ["upload", out, "me@nas:/backups/"],
    ]);
    assert.ok(exists(out));
  });
});

Deno.test("run health-check: 0% thresholds fail and name the checks, 100% pass", async () => {
  await withHome(async (h) => {
    h.config(
      `tasks:\n  health-check:\n    checks: [disk, memory]\n    disk_threshold_pct: 0\n    memory_threshold_pct: 0\n`,
    );
    const bad = await h.run(["--json", "run", "health-check"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.status, "failed");
    assert.deepEqual(bad.json.details.failed, ["disk", "memory"]);
    assert.match(bad.json.summary, /^2 of 2 checks failed: disk .*; memory /);
    h.config(
      `tasks:\n  health-check:\n    checks: [disk, memory]\n    disk_threshold_pct: 100\n    memory_threshold_pct: 100\n`,
    );
    const good = await h.run(["--json", "run", "health-check"]);
    assert.equal(good.code, 0, JSON.stringify(good.json));
    assert.match(good.json.summary, /^All 2 checks passed/);
  });
});

Deno.test("describe: each built-in's sandbox holds only what its config needs", async () => {
  await withHome(async (h) => {
    h.config(
      `tasks:\n  backup:\n    tool: rsync\n    source: /srv/data\n    remote: /mnt/backup\n` +
        `  hbackup:\n    action: list\n    hbackup_bin: /opt/hb/hbackup\n` +
        `  health-check:\n    checks: [disk, memory]\n`,
    );
    const flags = async (task: string) => {
      const r = await h.run(["--json", "describe", task]);
      assert.equal(r.code, 0, r.stdout);
      return r.json.task.deno_flags as string[];
    };
    const noNet = (f: string[]) =>
      assert.ok(!f.some((x) => x.startsWith("--allow-net")), String(f));
    const backup = await flags("backup");
    assert.ok(backup.includes("--allow-run=rsync"), String(backup));
    assert.ok(backup.some((x) => /^--allow-write=[^,]+,\/mnt\/backup$/.test(x)), String(backup));
    noNet(backup);
    const hb = await flags("hbackup");
    assert.ok(hb.includes("--allow-run=/opt/hb/hbackup"), String(hb));
    assert.ok(!hb.some((x) => x.startsWith("--allow-sys")), String(hb));
    noNet(hb);
    const hc = await flags("health-check");
    assert.ok(hc.includes("--allow-run=df"), String(hc));
    assert.ok(hc.includes("--allow-sys=systemMemoryInfo"), String(hc));
    noNet(hc);
  });
});

Deno.test("each built-in is denied what its declarations leave out, and nothing happens", async () => {
  await withHome(async (h) => {
    const { src, dst } = dirs(h);
    const bin = `${h.dir}/bin`;
    const home = `${h.dir}/home`;
    Deno.mkdirSync(bin);
    Deno.mkdirSync(home);
    writeFakeHbackup(bin);
    // The operator's config narrows each grant below what the task needs.
    h.config(
      `tasks:\n  backup:\n    tool: rsync\n    source: ${src}\n    remote: ${dst}\n    exec: [rclone]\n` +
        `  hbackup:\n    action: backup\n    hbackup_bin: ${bin}/hbackup\n    sys: []\n` +
        `  health-check:\n    checks: [memory]\n    sys: []\n`,
    );
    const env = { HOME: home, DENO_DIR };
    const backup = await h.run(["--json", "run", "backup"], { env });
    assert.equal(backup.json.error?.kind, "permission_denied", JSON.stringify(backup.json));
    assert.equal(backup.json.error.details.permission, "run");
    assert.deepEqual(tree(dst), ["stale.txt"], "rsync never ran");

    const hb = await h.run(["--json", "run", "hbackup"], { env });
    assert.equal(hb.json.error?.kind, "permission_denied", JSON.stringify(hb.json));
    assert.equal(hb.json.error.details.permission, "sys");
    assert.deepEqual(fakeHbackupCalls(bin), [], "hbackup never ran");

    const hc = await h.run(["--json", "run", "health-check"], { env });
    assert.equal(hc.json.error?.kind, "permission_denied", JSON.stringify(hc.json));
    assert.equal(hc.json.error.details.permission, "sys");
  });
});

/** Whether a live process has `arg` in its argv (host view of /proc). */
function processWithArg(arg: string): boolean {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      const st = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (argv.includes(arg) && st.slice(st.lastIndexOf(")") + 2)[0] !== "Z") return true;
    } catch {
      // gone
    }
  }
  return false;
}
