/** A task that throws gives its author the stack, file:line, in the result and the log (12.17). */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

Deno.test("a thrown error's stack (the task's frames, file:line) is in error.details and the log", async () => {
  await withHome(async (h) => {
    // Line 1 is the import of defineTask, then this prelude: deep() throws on line 3.
    h.task(
      "boom",
      `{ description: "d", async run() {\n  await Promise.resolve();\n  deep();\n  return { ok: true, summary: "" }; } }`,
      `function deep(): never {\n  throw new TypeError("deep failure");\n}`,
    );
    const r = await h.run(["--json", "run", "boom"]);
    assert.equal(r.json.error.kind, "task_failed");
    const stack: string = r.json.error.details?.stack ?? "";
    assert.match(stack, /^TypeError: deep failure$/m, stack);
    assert.match(stack, /at deep \(file:\/\/.*\/tasks\/boom\.ts:3:9\)/, "file:line:col");
    assert.match(stack, /\/tasks\/boom\.ts:7:\d+\)/, "the caller's frame in the task module");
    assert.ok(!/harness\.ts|ext:/.test(stack), `docket's frames trimmed: ${stack}`);
    const log = Deno.readTextFileSync(r.json.log_path);
    assert.match(log, /boom\.ts:3:9/, `the log has it too: ${log}`);
    const human = await h.run(["run", "boom"]);
    assert.match(human.stdout, /^ {4}at deep \(.*boom\.ts:3:9\)$/m, human.stdout);
  });
});

Deno.test("a non-Error throw and a task that returns failure carry no stack", async () => {
  await withHome(async (h) => {
    h.task("str", `{ description: "d", run() { throw "plain string"; } }`);
    h.task("fail", `{ description: "d", run: () => ({ ok: false, summary: "nope" }) }`);
    const s = await h.run(["--json", "run", "str"]);
    assert.equal(s.json.error.kind, "task_failed");
    assert.equal(s.json.error.details?.stack, undefined);
    const f = await h.run(["--json", "run", "fail"]);
    assert.equal(f.json.error.details?.stack, undefined);
  });
});
