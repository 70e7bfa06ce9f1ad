/** `docket new-task <name>`: a drop-in TypeScript task in tasks_dir that runs as written. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { join } from "../core/path.ts";
import { BUILTIN_NAMES } from "../registry/builtins.ts";

export const NEW_TASK_NAME_RE = /^[a-z0-9][a-z0-9-]*$/;

/** The public task API, as an absolute file URL: the scaffold works from any folder. */
const TASK_API_URL = new URL("../../task.ts", import.meta.url).href;

export interface NewTaskData {
  ok: true;
  task: string;
  path: string;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const name = input.args[0]!;
  if (!NEW_TASK_NAME_RE.test(name)) {
    throw new DocketError("usage", `Cannot create task "${name}": the name is not valid`, {
      hint: "Use lowercase letters, digits and '-', starting with a letter or digit",
      details: { task: name },
    });
  }
  const description = typeof input.opts.description === "string"
    ? input.opts.description
    : `The ${name} task`;
  const cfg = await input.config();
  const path = join(cfg.tasks_dir, `${name}.ts`);
  const taken = (BUILTIN_NAMES as readonly string[]).includes(name)
    ? "a built-in task"
    : cfg.tasks[name] !== undefined
    ? `a task in ${cfg.path}`
    : undefined;
  if (taken) {
    throw new DocketError("usage", `Cannot create task "${name}": it is ${taken}`, {
      hint: "Choose another name (`docket list` shows the taken ones)",
      details: { task: name },
    });
  }
  try {
    Deno.mkdirSync(cfg.tasks_dir, { recursive: true, mode: 0o700 });
    Deno.writeTextFileSync(path, scaffold(name, description), { createNew: true, mode: 0o644 });
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) {
      throw new DocketError("usage", `Cannot create task "${name}": "${path}" already exists`, {
        hint: "Choose another name, or edit the existing file",
        details: { task: name, path },
      });
    }
    throw new DocketError("io_error", `Cannot write "${path}": ${(err as Error).message}`, {
      hint: "Check that tasks_dir is writable (`docket doctor`)",
    });
  }
  const data: NewTaskData = { ok: true, task: name, path };
  return { exitCode: 0, data };
}

/** The file new-task writes: valid, type-checked, and runnable without edits. */
export function scaffold(name: string, description: string): string {
  return `// The "${name}" docket task. Try it: \`docket run ${name}\` (or \`--dry-run\`).
// Its config is the \`tasks.${name}\` section of docket's config.yaml.
import { defineTask } from ${JSON.stringify(TASK_API_URL)};

export default defineTask({
  description: ${JSON.stringify(description)},
  inputs: { who: "Who to greet (default: world)" },
  outputs: { greeting: "The greeting" },
  // The task runs in a sandbox that only grants what is declared here. For example:
  //   network: ["api.example.com:443"],  // or true for any host
  //   required_env: ["API_TOKEN"],      // environment variables it may read
  //   reads: ["/var/log/app"],          // paths it may read
  //   destructive: true,                // may write...
  //   writes: ["/srv/exports"],         // ...these paths
  //   exec: ["rsync"],                  // programs it may start
  network: false,

  run(config, ctx) {
    const greeting = \`Hello, \${String(config.who ?? "world")}\`;
    ctx.event("greeted", { greeting });
    return { ok: true, summary: greeting, details: { greeting } };
  },

  // Called by \`docket run ${name} --dry-run\`: report what run() would do, change nothing.
  dryRun(config) {
    return { ok: true, summary: \`Would greet \${String(config.who ?? "world")}\` };
  },
});
`;
}

export function render(data: unknown, _ui: Ui): string {
  const d = data as NewTaskData;
  return [
    `Created ${d.path}`,
    `Try it: docket run ${d.task} --dry-run && docket run ${d.task}`,
  ].join("\n");
}
