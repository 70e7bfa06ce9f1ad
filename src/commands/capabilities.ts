/** `docket capabilities`: the self-describing agent contract. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { commandsJson } from "../cli/help.ts";
import { listTasks } from "../registry/registry.ts";
import { byName, taskJson } from "./common.ts";
import { AGENT_CONTRACT_VERSION, VERSION } from "../version.ts";
import { paint, table } from "../render/ui.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  const cfg = await input.config();
  const tasks = await listTasks(cfg);
  return {
    exitCode: 0,
    data: {
      ok: true,
      tool: "docket",
      version: VERSION,
      agent_contract_version: AGENT_CONTRACT_VERSION,
      runtime: { deno: Deno.version.deno },
      config_path: cfg.path,
      state_dir: cfg.state_dir,
      tasks_dir: cfg.tasks_dir,
      logs_dir: cfg.logs_dir,
      exit_codes: { "0": "success", "1": "failure (see error.kind)", "2": "dry run completed" },
      commands: commandsJson(),
      tasks: [...tasks.values()].sort(byName).map((t) => taskJson(t, cfg)),
    },
  };
}

export function render(data: unknown, ui: Ui): string {
  const d = data as {
    version: string;
    commands: { usage: string; summary: string }[];
    tasks: ReturnType<typeof taskJson>[];
  };
  return [
    paint(ui, "bold", `docket ${d.version}`),
    "",
    table(["COMMAND", "SUMMARY"], d.commands.map((c) => [c.usage, c.summary])),
    "",
    table(
      ["TASK", "NETWORK", "DESTRUCTIVE", "ENV", "DESCRIPTION"],
      d.tasks.map((t) => [
        t.name,
        Array.isArray(t.network) ? t.network.join(",") : String(t.network),
        String(t.destructive),
        t.required_env.join(",") || "-",
        t.description,
      ]),
    ),
    "",
    "Use --json for the full contract (permissions, deno_flags, schemas).",
  ].join("\n");
}
