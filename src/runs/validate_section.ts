/** Re-validates a task's section after `--set` overrides, with the config's own rules. */
import { DocketError } from "../core/errors.ts";
import { dirname } from "../core/path.ts";
import { configPath } from "../core/paths.ts";
import { checkTaskSection, type Problem } from "../config/validate.ts";
import type { TaskInfo } from "../registry/registry.ts";

export async function validateSection(task: TaskInfo, section: Record<string, unknown>) {
  const problems: Problem[] = [];
  await checkTaskSection(task.name, section, dirname(configPath()), problems);
  if (!problems.length) return;
  const p = problems[0]!;
  const key = p.path.split(".").slice(2).join(".");
  throw new DocketError("usage", `Cannot apply --set: ${key || p.path}: ${p.message}`, {
    hint: "Fix the --set value; it is checked with the same rules as the config file",
    details: { problems },
  });
}
