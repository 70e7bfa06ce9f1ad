import { deepStrictEqual as eq, match, ok } from "node:assert/strict";
import hbackup, { hbackupGrants } from "./hbackup.ts";
import { fakeCtx, fakeHbackupCalls, writeFakeHbackup } from "./lib/test_support.ts";

/** A temp dir holding the fake hbackup, and a temp HOME for the duration of `fn`. */
async function withFake<T>(
  fn: (f: { dir: string; bin: string; home: string }) => Promise<T>,
  mode?: "fail" | "warn" | "silent" | "panic",
): Promise<T> {
  const dir = Deno.makeTempDirSync({ prefix: "docket-hbackup-" });
  const home = `${dir}/home`;
  Deno.mkdirSync(home);
  const bin = writeFakeHbackup(dir, mode);
  const oldHome = Deno.env.get("HOME")!;
  Deno.env.set("HOME", home);
  try {
    return await fn({ dir, bin, home });
  } finally {
    Deno.env.set("HOME", oldHome);
  }
}

const ARCHIVE_RE = /\/backups\/hermes-openclaw-backup-\d{8}-\d{6}\.tar\.zst$/;

Deno.test("hbackup backup: -o with the path docket chose, -x per exclude; archive_path parsed", async () => {
  await withFake(async ({ dir, bin, home }) => {
    const r = await hbackup.run(
      { action: "backup", hbackup_bin: bin, excludes: ["target"] },
      fakeCtx(),
    );
    ok(r.ok, r.summary);
    const [call] = fakeHbackupCalls(dir);
    eq(call!.slice(0, 2), ["backup", "-o"]);
    match(call![2]!, ARCHIVE_RE);
    ok(call![2]!.startsWith(`${home}/backups/`));
    eq(call!.slice(3), ["-x", "target"]);
    eq(r.details!.archive_path, call![2]);
    eq(r.details!.files, 3);
    eq(r.details!.size, "1.2 KB");
    ok(Deno.statSync(call![2]!).isFile, "the fake wrote the archive where docket said");
    match(r.summary, /^Backed up 3 files \(1\.2 KB\) to \//);
  });
});

Deno.test("hbackup backup: an output path holding ' (' is reported whole", async () => {
  await withFake(async ({ dir, bin }) => {
    const out = `${dir}/my (copy) (2).tar.zst`;
    const r = await hbackup.run(
      { action: "backup", hbackup_bin: bin, output: out, extra_args: [] },
      fakeCtx(),
    );
    ok(r.ok, r.summary);
    eq(r.details!.archive_path, out);
    eq(fakeHbackupCalls(dir), [["backup", "-o", out]]);
  });
});

Deno.test("hbackup backup --dry-run really runs `backup --dry-run` and writes nothing", async () => {
  await withFake(async ({ dir, bin, home }) => {
    const r = await hbackup.dryRun!(
      { action: "backup", hbackup_bin: bin, output: "~/b/x.tar.zst" },
      fakeCtx({ dryRun: true }),
    );
    ok(r.ok, r.summary);
    eq(fakeHbackupCalls(dir), [["backup", "--dry-run", "-o", `${home}/b/x.tar.zst`]]);
    eq(r.details!.would_archive_files, 3);
    eq(r.details!.archive_path, undefined);
    eq(r.details!.planned_archive_path, `${home}/b/x.tar.zst`);
    eq(r.summary, `Dry run: 3 files would be archived to ${home}/b/x.tar.zst`);
    eq([...Deno.readDirSync(home)].length, 0);
  });
});

Deno.test("hbackup auto without options runs plain `auto` and reports the skipped upload", async () => {
  await withFake(async ({ dir, bin }) => {
    const r = await hbackup.run({ action: "auto", hbackup_bin: bin }, fakeCtx());
    ok(r.ok, r.summary);
    eq(fakeHbackupCalls(dir), [["auto"]]);
    match(String(r.details!.archive_path), ARCHIVE_RE);
    eq(r.details!.uploaded, false);
    match(String(r.details!.upload_skipped), /^No config file found/);
    match(r.summary, /\(warning: upload skipped: No config file found/);
  });
});

Deno.test("hbackup auto dry run previews the backup and says auto has no dry run", async () => {
  await withFake(async ({ dir, bin }) => {
    const r = await hbackup.dryRun!({ hbackup_bin: bin }, fakeCtx({ dryRun: true }));
    ok(r.ok, r.summary);
    eq(fakeHbackupCalls(dir), [["backup", "--dry-run"]]);
    match(
      r.summary,
      /^Dry run: 3 files would be archived; then `.*hbackup auto` would back up and upload/,
    );
  });
});

Deno.test("hbackup auto with options runs backup -o … then upload, and says so in the dry run", async () => {
  await withFake(async ({ dir, bin }) => {
    const out = `${dir}/o.tar.zst`;
    const config = {
      action: "auto",
      hbackup_bin: bin,
      output: out,
      excludes: [".git"],
      destination: "me@nas:/backups/",
    };
    const dry = await hbackup.dryRun!(config, fakeCtx({ dryRun: true }));
    ok(dry.ok, dry.summary);
    eq(fakeHbackupCalls(dir), [["backup", "--dry-run", "-o", out, "-x", ".git"]]);
    match(
      dry.summary,
      /then `.*hbackup upload .*o\.tar\.zst me@nas:\/backups\/` would upload it \(auto takes no options, so docket runs backup then upload\)$/,
    );
    eq(dry.details!.composed, true);

    const r = await hbackup.run(config, fakeCtx());
    ok(r.ok, r.summary);
    eq(fakeHbackupCalls(dir).slice(1), [["backup", "-o", out, "-x", ".git"], [
      "upload",
      out,
      "me@nas:/backups/",
    ]]);
    eq(r.details!.archive_path, out);
    eq(r.details!.uploaded, true);
    eq(r.summary, `Backed up 3 files (1.2 KB) to ${out} and uploaded it to me@nas:/backups/`);
  });
});

Deno.test("hbackup upload: --drive flags, then the archive; a failed upload fails the task", async () => {
  await withFake(async ({ dir, bin }) => {
    const archive = `${dir}/a.tar.zst`;
    Deno.writeTextFileSync(archive, "x");
    const r = await hbackup.run(
      {
        action: "upload",
        hbackup_bin: bin,
        archive,
        drive: true,
        drive_remote: "gd",
        drive_folder: "hb",
      },
      fakeCtx(),
    );
    ok(r.ok, r.summary);
    eq(fakeHbackupCalls(dir), [[
      "upload",
      "--drive",
      "--drive-remote",
      "gd",
      "--drive-folder",
      "hb",
      archive,
    ]]);
    eq(r.summary, `Uploaded ${archive} to Google Drive (gd:hb)`);
    const missing = await hbackup.run({
      action: "upload",
      hbackup_bin: bin,
      archive: `${dir}/none.tar.zst`,
      destination: "h:/",
    }, fakeCtx());
    eq(missing.ok, false);
    eq(missing.summary, `hbackup upload failed (exit 1: Archive not found: ${dir}/none.tar.zst)`);
  });
});

Deno.test("hbackup upload and setup-drive dry runs only describe the command", async () => {
  await withFake(async ({ dir, bin }) => {
    const up = await hbackup.dryRun!({
      action: "upload",
      hbackup_bin: bin,
      archive: "/a.tar.zst",
      destination: "h:/b/",
    }, fakeCtx({ dryRun: true }));
    ok(up.ok);
    match(
      up.summary,
      /^Dry run: would run `.*hbackup upload \/a\.tar\.zst h:\/b\/` \(hbackup upload has no dry run\)$/,
    );
    const setup = await hbackup.dryRun!(
      { action: "setup-drive", hbackup_bin: bin },
      fakeCtx({ dryRun: true }),
    );
    ok(setup.ok);
    eq(fakeHbackupCalls(dir), []);
  });
});

Deno.test("hbackup setup-drive runs `setup drive` (two words); list parses the backups", async () => {
  await withFake(async ({ dir, bin, home }) => {
    ok((await hbackup.run({ action: "setup-drive", hbackup_bin: bin }, fakeCtx())).ok);
    const none = await hbackup.run({ action: "list", hbackup_bin: bin }, fakeCtx());
    eq(none.details!.count, 0);
    Deno.mkdirSync(`${home}/backups`);
    Deno.writeTextFileSync(`${home}/backups/hermes-openclaw-backup-20260101-000000.tar.zst`, "x");
    const one = await hbackup.dryRun!(
      { action: "list", hbackup_bin: bin },
      fakeCtx({ dryRun: true }),
    );
    eq(one.details!.backups, [{
      size: "1.2 KB",
      name: "hermes-openclaw-backup-20260101-000000.tar.zst",
    }]);
    match(one.summary, /list is read-only, so the dry run ran it/);
    eq(fakeHbackupCalls(dir), [["setup", "drive"], ["list"], ["list"]]);
  });
});

Deno.test("hbackup errors: Error + Caused by, a panic, a usage error, a missing binary", async () => {
  await withFake(async ({ bin }) => {
    const r = await hbackup.run({ action: "backup", hbackup_bin: bin }, fakeCtx());
    eq(r.ok, false);
    eq(
      r.summary,
      "hbackup backup failed (exit 1: failed to create archive: No space left on device (os error 28))",
    );
    match(String(r.details!.partial_archive_path), ARCHIVE_RE);
  }, "fail");
  await withFake(async ({ bin }) => {
    const r = await hbackup.run({ action: "list", hbackup_bin: bin }, fakeCtx());
    eq(r.summary, "hbackup list failed (exit 101: hbackup panicked)");
  }, "panic");
  await withFake(async ({ bin }) => {
    const r = await hbackup.run(
      { action: "list", hbackup_bin: bin, extra_args: ["--bogus"] },
      fakeCtx(),
    );
    eq(r.summary, "hbackup list failed (exit 2: unexpected argument '--bogus' found)");
    const missing = await hbackup.run(
      { action: "list", hbackup_bin: "/nonexistent/hbackup" },
      fakeCtx(),
    );
    eq(missing.ok, false);
    match(missing.summary, /^Cannot start "\/nonexistent\/hbackup": it is not installed/);
  });
});

Deno.test("hbackup: per-file warnings keep the run successful and are reported", async () => {
  await withFake(async ({ bin }) => {
    const r = await hbackup.run({ action: "backup", hbackup_bin: bin }, fakeCtx());
    ok(r.ok, r.summary);
    eq(r.details!.warnings, ["2 file warnings (see the log)"]);
  }, "warn");
});

Deno.test("hbackup: keys that do not reach the action fail before anything runs", async () => {
  await withFake(async ({ dir, bin }) => {
    const r = await hbackup.run({
      action: "list",
      hbackup_bin: bin,
      output: "/x.tar.zst",
      drive_remote: "g",
    }, fakeCtx());
    eq(r.ok, false);
    eq(
      r.summary,
      `Invalid hbackup config: "output" applies only to backup and auto; "drive_remote" requires "drive: true"`,
    );
    const bad = await hbackup.run({ action: "restore", hbackup_bin: bin }, fakeCtx());
    match(
      bad.summary,
      /^Invalid hbackup config: "action" must be one of "backup", "auto", "list", "upload", "setup-drive", got "restore"$/,
    );
    eq(fakeHbackupCalls(dir), []);
  });
});

Deno.test("hbackup grants: exec is hbackup_bin as given; network only for upload/auto", () => {
  eq(hbackupGrants({ action: "list", hbackup_bin: "/opt/hbackup" }), {
    exec: ["/opt/hbackup"],
    network: false,
    destructive: false,
  });
  const home = Deno.env.get("HOME")!;
  eq(hbackupGrants({ action: "auto" }), {
    exec: ["hbackup"],
    network: true,
    destructive: true,
    writes: [`${home}/backups`],
  });
  eq(hbackupGrants({ action: "backup" }).sys, ["homedir"]);
  eq(hbackupGrants({ action: "upload", archive: "/a" }).network, true);
  eq(hbackupGrants({ action: "backup", output: "/b/x.tar.zst" }).writes, ["/b"]);
  eq(hbackupGrants({ action: "list", hbackup_bin: "~/.local/bin/hbackup" }).exec, [
    `${home}/.local/bin/hbackup`,
  ]);
});
