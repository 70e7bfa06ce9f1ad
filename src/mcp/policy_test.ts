import assert from "node:assert/strict";
import {
  assertRunAllowed,
  mcpBlock,
  type PolicyTask,
  runAnnotations,
  taskPolicy,
  taskSummary,
} from "./policy.ts";
import { DocketError } from "../core/errors.ts";

const task = (name: string, over: Partial<PolicyTask> = {}): PolicyTask => ({
  name,
  source: "dropin",
  grants: {},
  loadError: null,
  ...over,
});

Deno.test("only a Deno-enforced task without network, writes or exec is auto-approvable", () => {
  assert.equal(taskPolicy(task("plain")).auto_approvable, true);
  assert.equal(taskPolicy(task("empty-net", { grants: { network: [] } })).auto_approvable, true);
  for (
    const t of [
      task("net", { grants: { network: ["example.com"] } }),
      task("any-net", { grants: { network: true } }),
      task("wipe", { grants: { destructive: true, writes: [] } }),
      task("exec", { grants: { exec: ["df"] } }),
      task("cmd", { source: "command" }),
      task("reads", { grants: { reads: ["/etc"] } }),
      task("env", { grants: { required_env: ["API_TOKEN"] } }),
      task("sys", { grants: { sys: ["hostname"] } }),
      task("broken", { loadError: { kind: "task_load_failed", message: "x" } }),
    ]
  ) assert.equal(taskPolicy(t).auto_approvable, false, t.name);
  assert.deepEqual(mcpBlock(task("cmd", { source: "command" }), false), {
    auto_approvable: false,
    allowed: true,
    enforcement: "advisory",
  });
  assert.equal(mcpBlock(task("w", { grants: { destructive: true } }), false).allowed, false);
  assert.equal(mcpBlock(task("w", { grants: { destructive: true } }), true).allowed, true);
});

Deno.test("run annotations: a hint holds when any task needs it; unknown tasks assume the worst", () => {
  assert.deepEqual(runAnnotations([task("a")]), {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: false,
  });
  const mixed = runAnnotations([task("a"), task("w", { grants: { destructive: true } })]);
  assert.equal(mixed.destructiveHint, true);
  assert.equal(mixed.openWorldHint, false);
  assert.equal(runAnnotations([task("c", { source: "command" })]).openWorldHint, true);
  assert.equal(runAnnotations([task("n", { grants: { network: true } })]).openWorldHint, true);
  assert.equal(runAnnotations(null).destructiveHint, true);
  assert.equal(runAnnotations(null).openWorldHint, true);
});

Deno.test("the task summary names destructive, network, advisory and auto-approvable tasks", () => {
  const s = taskSummary([
    task("plain"),
    task("w", { grants: { destructive: true } }),
    task("n", { grants: { network: ["x.org"] } }),
    task("c", { source: "command" }),
  ], { allowDestructive: false });
  assert.match(s, /destructive[^\n]*: w — refused unless dry_run/);
  assert.match(s, /network: n\n/);
  assert.match(s, /advisory[^\n]*: c\n/);
  assert.match(s, /auto-approvable[^\n]*: plain$/);
});

Deno.test("a destructive run is refused without --allow-destructive, with how to enable it", () => {
  const w = task("wipe", { grants: { destructive: true } });
  assert.throws(
    () => assertRunAllowed(w, { allowDestructive: false, dryRun: false }),
    (e: unknown) =>
      e instanceof DocketError && e.kind === "permission_denied" &&
      /--allow-destructive/.test(e.message) && /docket mcp --allow-destructive/.test(e.hint!),
  );
  assertRunAllowed(w, { allowDestructive: false, dryRun: true });
  assertRunAllowed(w, { allowDestructive: true, dryRun: false });
  assertRunAllowed(task("plain"), { allowDestructive: false, dryRun: false });
});
