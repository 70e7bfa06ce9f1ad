import { deepStrictEqual as eq } from "node:assert/strict";
import { isRcloneRemote, parseRcloneOutput, rcloneArgs, statsSecondsFor } from "./rclone.ts";

Deno.test("rcloneArgs: sync with periodic one-line stats, excludes, dry run, extra args last", () => {
  eq(
    rcloneArgs({
      source: "/data",
      remote: "b2:bucket/data",
      excludes: ["*.tmp", ".cache/**"],
      extraArgs: ["--transfers", "8"],
      dryRun: true,
      statsSeconds: 10,
    }),
    [
      "sync",
      "/data",
      "b2:bucket/data",
      "--stats",
      "10s",
      "--stats-one-line",
      "--stats-log-level",
      "NOTICE",
      "--use-json-log",
      "--exclude",
      "*.tmp",
      "--exclude",
      ".cache/**",
      "--dry-run",
      "--transfers",
      "8",
    ],
  );
});

Deno.test("statsSecondsFor fits three stats lines into one idle window", () => {
  eq(statsSecondsFor(1800), 10);
  eq(statsSecondsFor(null), 10);
  eq(statsSecondsFor(0), 10);
  eq(statsSecondsFor(9), 3);
  eq(statsSecondsFor(2), 1);
});

// Captured from rclone v1.60.1 (`sync … --use-json-log --stats-one-line`).
const OK_LOG = [
  `{"level":"warning","msg":"Config file \\"/root/.config/rclone/rclone.conf\\" not found - using defaults","source":"config/config.go:362","time":"2026-11-27T02:25:12.756227+00:00"}`,
  `{"level":"warning","msg":"   58.597 KiB / 58.597 KiB, 100%, 0 B/s, ETA -\\n","source":"accounting/stats.go:482","stats":{"bytes":60003,"checks":1,"deletedDirs":0,"deletes":1,"elapsedTime":0.096736419,"errors":0,"eta":null,"fatalError":false,"renames":0,"retryError":false,"speed":0,"totalBytes":60003,"totalChecks":1,"totalTransfers":4,"transferTime":0,"transfers":4},"time":"2026-11-27T02:25:12.759057+00:00"}`,
].join("\n");

const FAIL_LOG = [
  `{"level":"error","msg":"error reading source root directory: directory not found","object":"Local file system at /tmp/rt/nonexist","objectType":"*local.Fs","source":"march/march.go:413","time":"2026-11-27T02:25:12.87111+00:00"}`,
  `{"level":"error","msg":"Attempt 3/3 failed with 1 errors and: directory not found","source":"cmd/cmd.go:283","time":"2026-11-27T02:25:12.871443+00:00"}`,
  `{"level":"info","msg":"          0 B / 0 B, -, 0 B/s, ETA -\\n","source":"accounting/stats.go:482","stats":{"bytes":0,"checks":0,"deletedDirs":0,"deletes":0,"elapsedTime":0.091182716,"errors":1,"eta":null,"fatalError":false,"lastError":"directory not found","renames":0,"retryError":true,"speed":0,"totalBytes":0,"totalChecks":0,"totalTransfers":0,"transferTime":0,"transfers":0},"time":"2026-11-27T02:25:12.871509+00:00"}`,
  `2026/11/27 02:25:12 Failed to sync: directory not found`,
].join("\n");

Deno.test("parseRcloneOutput reads the final stats object", () => {
  const out = parseRcloneOutput(OK_LOG);
  eq(out.stats, {
    files_transferred: 4,
    bytes_transferred: 60003,
    errors: 0,
    checks: 1,
    deletes: 1,
    renames: 0,
    total_bytes: 60003,
    elapsed_seconds: 0.097,
  });
  eq(out.error_messages, []);
  eq(out.fatal, undefined);
});

Deno.test("parseRcloneOutput collects errors and the final plain-text failure", () => {
  const out = parseRcloneOutput(FAIL_LOG);
  eq(out.stats?.errors, 1);
  eq(out.stats?.last_error, "directory not found");
  eq(out.error_messages, [
    "Local file system at /tmp/rt/nonexist: error reading source root directory: directory not found",
    "Attempt 3/3 failed with 1 errors and: directory not found",
  ]);
  eq(out.fatal, "Failed to sync: directory not found");
});

Deno.test("parseRcloneOutput ignores a truncated first line and plain noise", () => {
  const out = parseRcloneOutput(`ats":{"bytes":1}}\nsome text\n` + OK_LOG);
  eq(out.stats?.files_transferred, 4);
});

Deno.test("isRcloneRemote tells remotes from local paths", () => {
  for (
    const p of [
      "remote:backup",
      "b2:bucket/x",
      "my remote:x",
      ":s3:bucket",
      "gdrive:",
      // connection strings: a configured remote with options, an on-the-fly backend
      "name,url='http://host/dav':path",
      ":webdav,url='http://host/dav':path",
      ":local2:x",
      "a,b='x/y':z",
      ",x:y",
    ]
  ) {
    eq(isRcloneRemote(p), true, p);
  }
  for (
    const p of ["/data", "./a:b", "~/x", ":local:/tmp/x", "relative/dir", "/a:b", "a,b", "d/a:b"]
  ) {
    eq(isRcloneRemote(p), false, p);
  }
});
