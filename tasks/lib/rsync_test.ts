import { deepStrictEqual as eq } from "node:assert/strict";
import { isRsyncRemote, parseRsyncStats, rsyncArgs, RsyncDiagnostics } from "./rsync.ts";

Deno.test("rsyncArgs: mirror of the source's contents, options before operands", () => {
  eq(
    rsyncArgs({
      source: "/data",
      remote: "host:/backups/data",
      excludes: ["*.tmp"],
      extraArgs: ["--bwlimit=1m"],
      dryRun: false,
    }),
    [
      "-a",
      "--delete",
      "--info=progress2",
      "--stats",
      "--no-h",
      "--exclude=*.tmp",
      "--bwlimit=1m",
      "/data/",
      "host:/backups/data",
    ],
  );
  const dry = rsyncArgs({ source: "/d/", remote: "/e", excludes: [], extraArgs: [], dryRun: true });
  eq(dry, [
    "-a",
    "--delete",
    "--info=progress2",
    "--stats",
    "--no-h",
    "--dry-run",
    "--itemize-changes",
    "/d/",
    "/e",
  ]);
});

// rsync 3.5.0 with default (human-readable level 1) numbers: separators are dropped.
const STATS = `\r         60,003 100%   38.15MB/s    0:00:00 (xfr#4, to-chk=0/6)

Number of files: 6 (reg: 4, dir: 2)
Number of created files: 5 (reg: 4, dir: 1)
Number of deleted files: 1 (reg: 1)
Number of regular files transferred: 4
Total file size: 60,003 bytes
Total transferred file size: 60,003 bytes
Literal data: 60,003 bytes
Matched data: 0 bytes
File list size: 0
File list generation time: 0.001 seconds
File list transfer time: 0.000 seconds
Total bytes sent: 60,317
Total bytes received: 114

sent 60,317 bytes  received 114 bytes  120,862.00 bytes/sec
total size is 60,003  speedup is 0.99
`;

Deno.test("parseRsyncStats reads the --stats block", () => {
  eq(parseRsyncStats(STATS), {
    files_total: 6,
    files_created: 5,
    files_deleted: 1,
    files_transferred: 4,
    total_size_bytes: 60003,
    bytes_transferred: 60003,
    bytes_sent: 60317,
    bytes_received: 114,
  });
  eq(parseRsyncStats("nothing here"), undefined);
});

Deno.test("RsyncDiagnostics counts errors and vanished files, keeps the closing reason", () => {
  const d = new RsyncDiagnostics();
  for (
    const l of [
      `rsync: [sender] send_files failed to open "/d/a": Permission denied (13)`,
      `file has vanished: "/d/tmp/x.sock"`,
      `rsync warning: some files vanished before they could be transferred (code 24) at main.c(1338) [sender=3.5.0]`,
      `rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]`,
    ]
  ) d.line("stderr", l);
  d.line("stdout", "rsync: not counted on stdout");
  eq(d.errors, 1);
  eq(d.error_messages, [`[sender] send_files failed to open "/d/a": Permission denied (13)`]);
  eq(d.vanished, 1);
  eq(d.vanished_files, ["/d/tmp/x.sock"]);
  eq(
    d.final_error,
    "some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]",
  );
});

Deno.test("isRsyncRemote: host:path, user@host:path, host::module, rsync:// are remote", () => {
  for (const p of ["host:/b", "u@host:b", "host::mod/x", "rsync://host/mod"]) {
    eq(isRsyncRemote(p), true, p);
  }
  for (const p of ["/b", "./a:b", "dir/a:b", "~/x", ":x"]) eq(isRsyncRemote(p), false, p);
});
