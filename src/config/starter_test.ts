import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { STARTER_CONFIG } from "./starter.ts";
import { validateConfigText } from "./validate.ts";

const at = { path: "/home/u/.docket/config.yaml", home: "/home/u/.docket", exists: true };

Deno.test("the starter config is valid as written and declares no task", async () => {
  const cfg = await validateConfigText(STARTER_CONFIG, at);
  assertEquals(cfg.tasks, {});
});

Deno.test("every example in the starter config is valid once uncommented", async () => {
  // Example lines are `# key: …` or indented continuations; prose comments are not.
  const uncommented = STARTER_CONFIG.replace(/^(\s*)# (?=[a-z_-]+:|\s)/gm, "$1");
  const cfg = await validateConfigText(uncommented, at);
  assertEquals(Object.keys(cfg.tasks).sort(), ["disk-usage", "health-check"]);
  assertEquals(cfg.history, { keep_runs: 1000, keep_days: 90 });
  assertEquals(cfg.tasks_dir, "/home/u/.docket/tasks");
});
