import { deepStrictEqual as eq, match, ok } from "node:assert/strict";
import backup, { backupGrants } from "./backup.ts";
import { fakeCtx, fakeHbackupCalls, writeFakeHbackup } from "./lib/test_support.ts";

function tree(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of Deno.readDirSync(dir)) {
    const rel = prefix + e.name;
    if (e.isDirectory) Object.assign(out, tree(`${dir}/${e.name}`, `${rel}/`));
    else out[rel] = Deno.readTextFileSync(`${dir}/${e.name}`);
  }
  return out;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const path = `${dir}/${rel}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, text);
  }
}

/** source with 3 files (one excluded by *.tmp), destination with a stale file. */
function fixture() {
  const root = Deno.makeTempDirSync({ prefix: "docket-backup-" });
  const src = `${root}/src`;
  const dst = `${root}/dst`;
  write(src, { "a.txt": "alpha\n", "sub/b.txt": "b".repeat(5000), "skip.tmp": "scratch" });
  write(dst, { "stale.txt": "old" });
  return { root, src, dst };
}

const MIRROR = { "a.txt": "alpha\n", "sub/b.txt": "b".repeat(5000) };
const SOURCE_BYTES = 6 + 5000;

for (const tool of ["rsync", "rclone"] as const) {
  Deno.test(`backup with ${tool} mirrors source to a local remote and reports the stats`, async () => {
    const { src, dst } = fixture();
    const config = { tool, source: src, remote: dst, excludes: ["*.tmp"] };
    const r = await backup.run(config, fakeCtx());
    ok(r.ok, r.summary);
    eq(tree(dst), MIRROR);
    const d = r.details!;
    eq(d.exit_code, 0);
    eq(d.files_transferred, 2);
    eq(d.bytes_transferred, SOURCE_BYTES);
    eq(d.errors, 0);
    eq(d.dry_run, false);
    match(r.summary, new RegExp(`^Synced .* with ${tool}: 2 files \\(4\\.9 KiB\\)`));

    const again = await backup.run(config, fakeCtx());
    ok(again.ok);
    eq(again.details!.files_transferred, 0, "an unchanged tree transfers nothing");
  });

  Deno.test(`backup --dry-run with ${tool} runs the tool's dry run and changes nothing`, async () => {
    const { src, dst } = fixture();
    const before = tree(dst);
    const r = await backup.dryRun!(
      { tool, source: src, remote: dst, excludes: ["*.tmp"] },
      fakeCtx({ dryRun: true }),
    );
    ok(r.ok, r.summary);
    eq(tree(dst), before);
    eq(r.details!.dry_run, true);
    ok((r.details!.command as string[]).includes("--dry-run"));
    eq(r.details!.files_transferred, 2);
    match(r.summary, new RegExp(`^Dry run: ${tool} would transfer 2 files`));
  });
}

Deno.test("backup with rsync: a missing source fails with rsync's exit code and reason", async () => {
  const { root, dst } = fixture();
  const r = await backup.run({ tool: "rsync", source: `${root}/nope`, remote: dst }, fakeCtx());
  eq(r.ok, false);
  eq(r.details!.exit_code, 23);
  eq(r.details!.errors, 1);
  match(
    r.summary,
    /^rsync failed \(exit 23: partial transfer due to error\): .*No such file or directory/,
  );
  eq(tree(dst), { "stale.txt": "old" }, "nothing deleted");
});

Deno.test("backup with rclone: a missing source fails with rclone's exit code and reason", async () => {
  const { root, dst } = fixture();
  const r = await backup.run({ tool: "rclone", source: `${root}/nope`, remote: dst }, fakeCtx());
  eq(r.ok, false);
  eq(r.details!.exit_code, 3);
  match(r.summary, /^rclone failed \(exit 3: directory not found\): .*directory not found/);
  eq(tree(dst), { "stale.txt": "old" }, "nothing deleted");
});

/** Runs `fn` with PATH starting at `dir`. */
async function withPath<T>(dir: string, fn: () => T | Promise<T>, replace = false): Promise<T> {
  const old = Deno.env.get("PATH") ?? "";
  Deno.env.set("PATH", replace ? dir : `${dir}:${old}`);
  try {
    return await fn();
  } finally {
    Deno.env.set("PATH", old);
  }
}

Deno.test("backup with rsync: exit 24 (files vanished) succeeds with a warning", async () => {
  const bin = Deno.makeTempDirSync();
  Deno.writeTextFileSync(
    `${bin}/rsync`,
    `#!/bin/sh
echo 'file has vanished: "/src/tmp/x.sock"' >&2
printf 'Number of files: 3\\nNumber of regular files transferred: 2\\nTotal transferred file size: 10 bytes\\n'
echo 'rsync warning: some files vanished before they could be transferred (code 24) at main.c(1338) [sender=3.5.0]' >&2
exit 24
`,
    { mode: 0o755 },
  );
  const r = await withPath(
    bin,
    () => backup.run({ tool: "rsync", source: "/src", remote: "/dst" }, fakeCtx()),
  );
  ok(r.ok, r.summary);
  eq(r.details!.exit_code, 24);
  eq(r.details!.vanished_files, 1);
  eq(r.details!.files_transferred, 2);
  eq(r.details!.warnings, [
    "1 source file(s) vanished during the transfer",
    "rsync exit 24: partial transfer due to vanished source files",
  ]);
  match(r.summary, /\(warning: 1 source file\(s\) vanished/);
});

Deno.test("backup: a tool that is not installed fails with a clear message", async () => {
  const empty = Deno.makeTempDirSync();
  const r = await withPath(
    empty,
    () => backup.run({ tool: "rclone", source: "/a", remote: "/b" }, fakeCtx()),
    true,
  );
  eq(r.ok, false);
  eq(r.summary, `Cannot start "rclone": it is not installed or not on PATH`);
});

Deno.test("backup: rclone/rsync need source and remote; values may not look like flags", async () => {
  const r = await backup.run({ tool: "rsync" }, fakeCtx());
  eq(r.ok, false);
  eq(r.summary, `Invalid backup config: "source" and "remote" required for tool "rsync"`);
  const f = await backup.run({ source: "--delete-everything", remote: "/b" }, fakeCtx());
  eq(f.summary, `Invalid backup config: "source" must not start with "-"`);
});

Deno.test("backup: ~/ in source and remote is expanded against HOME", async () => {
  const { root } = fixture();
  const oldHome = Deno.env.get("HOME")!;
  Deno.env.set("HOME", root);
  try {
    const r = await backup.run({
      tool: "rsync",
      source: "~/src",
      remote: "~/dst",
      excludes: ["*.tmp"],
    }, fakeCtx());
    ok(r.ok, r.summary);
    eq(r.details!.source, `${root}/src`);
    eq(tree(`${root}/dst`), MIRROR);
  } finally {
    Deno.env.set("HOME", oldHome);
  }
});

Deno.test("backup with tool hbackup: --dry-run maps to `hbackup backup --dry-run`", async () => {
  const dir = Deno.makeTempDirSync();
  const bin = writeFakeHbackup(dir);
  const config = {
    tool: "hbackup",
    hbackup_bin: bin,
    output: `${dir}/out.tar.zst`,
    excludes: ["target", ".git"],
  };
  const r = await backup.dryRun!(config, fakeCtx({ dryRun: true }));
  ok(r.ok, r.summary);
  eq(fakeHbackupCalls(dir), [[
    "backup",
    "--dry-run",
    "-o",
    `${dir}/out.tar.zst`,
    "-x",
    "target",
    "-x",
    ".git",
  ]]);
  eq(r.details!.would_archive_files, 3);
  const real = await backup.run(config, fakeCtx());
  ok(real.ok, real.summary);
  eq(real.details!.archive_path, `${dir}/out.tar.zst`);
  ok(Deno.statSync(`${dir}/out.tar.zst`).isFile);
});

Deno.test("backup grants: only the selected tool; network only for remote paths; writes the local destination", () => {
  eq(backupGrants({ tool: "rsync", source: "/a", remote: "/b" }), {
    exec: ["rsync"],
    network: false,
    destructive: true,
    writes: ["/b"],
  });
  eq(backupGrants({ source: "/a", remote: "b2:bucket" }), {
    exec: ["rclone"],
    network: true,
    destructive: true,
    writes: [],
  });
  eq(backupGrants({ tool: "rsync", source: "/a", remote: "u@h:/b" }).network, true);
  eq(backupGrants({ tool: "rsync", source: "~/a", remote: "/b" }).sys, ["homedir"]);
  eq(backupGrants({ tool: "hbackup", hbackup_bin: "/opt/hb", output: "/b/x.tar.zst" }), {
    exec: ["/opt/hb"],
    network: false,
    destructive: true,
    writes: ["/b"],
  });
  eq(backupGrants({ tool: "hbackup", hbackup_command: "auto" }), {
    exec: ["hbackup"],
    network: true,
    destructive: true,
    writes: [`${Deno.env.get("HOME")}/backups`],
  });
  eq(backupGrants({ tool: "hbackup" }).sys, ["homedir"], "docket chooses the archive path under ~");
  eq(backup.exec, ["rclone"], "declared grants are those of the defaults");
});
