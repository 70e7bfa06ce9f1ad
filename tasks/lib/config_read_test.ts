import { deepStrictEqual as eq, throws } from "node:assert/strict";
import {
  choice,
  ConfigValueError,
  expandHome,
  optString,
  stringList,
  usesHome,
} from "./config_read.ts";

Deno.test("config readers accept absent/null and reject wrong types with the key named", () => {
  eq(optString({ a: null }, "a"), undefined);
  eq(stringList({}, "a"), []);
  throws(
    () => optString({ a: " " }, "a"),
    (e: unknown) => e instanceof ConfigValueError && /"a"/.test(e.message),
  );
  throws(() => stringList({ a: ["x", 1] }, "a"), /"a" must be a list of strings/);
  throws(
    () => choice({ t: "scp" }, "t", ["rclone", "rsync"] as const, "rclone"),
    /must be one of "rclone", "rsync", got "scp"/,
  );
  eq(choice({}, "t", ["rclone", "rsync"] as const, "rclone"), "rclone");
});

Deno.test("expandHome expands ~ and ~/ only", () => {
  eq(expandHome("~/b/x", "/home/u/"), "/home/u/b/x");
  eq(expandHome("~", "/home/u"), "/home/u");
  eq(expandHome("~other/x", "/home/u"), "~other/x");
  eq(usesHome("~/x"), true);
  eq(usesHome("/x~"), false);
});
