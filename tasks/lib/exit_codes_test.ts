import { deepStrictEqual as eq } from "node:assert/strict";
import { classifyExit } from "./exit_codes.ts";

Deno.test("rsync exit 24 (vanished files) is a warning, 23 a failure", () => {
  eq(classifyExit("rsync", 24).outcome, "warning");
  eq(classifyExit("rsync", 23).outcome, "failed");
  eq(classifyExit("rsync", 0).outcome, "ok");
  eq(classifyExit("rsync", 30).retryable, true);
});

Deno.test("rclone: 0 and 9 succeed, 5 is retryable, the rest fail", () => {
  eq(classifyExit("rclone", 0).outcome, "ok");
  eq(classifyExit("rclone", 9).outcome, "ok");
  eq(classifyExit("rclone", 5), {
    outcome: "failed",
    meaning: "temporary error, more retries might fix it",
    retryable: true,
  });
  for (const code of [1, 2, 3, 4, 6, 7, 8, 10]) eq(classifyExit("rclone", code).outcome, "failed");
});

Deno.test("hbackup: 0 ok; 1, 2 and a panic (101) fail", () => {
  eq(classifyExit("hbackup", 0).outcome, "ok");
  for (const code of [1, 2, 101]) eq(classifyExit("hbackup", code).outcome, "failed");
});

Deno.test("an unknown code or a signal is a failure that says so", () => {
  eq(classifyExit("rsync", 77).meaning, "unknown exit code 77");
  eq(classifyExit("rclone", null, "SIGTERM"), {
    outcome: "failed",
    meaning: "ended by signal SIGTERM",
    retryable: false,
  });
});
