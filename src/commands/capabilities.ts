/** `docket capabilities`: the self-describing agent contract. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { commandsJson } from "../cli/help.ts";
import { listTasks } from "../registry/registry.ts";
import { byName, taskJson } from "./common.ts";
import { hostIdOf } from "../config/types.ts";
import { AGENT_CONTRACT_VERSION, VERSION } from "../version.ts";
import { paint, table } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

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
      // Only when configured: a default (SQLite, one host) config's contract is unchanged.
      ...(cfg.state || cfg.host_id
        ? {
          state: {
            backend: cfg.state?.backend ?? "sqlite",
            ...(cfg.state?.backend === "postgres"
              ? { url_env: cfg.state.url_env ?? "DOCKET_PG_URL" }
              : {}),
          },
          host_id: hostIdOf(cfg),
        }
        : {}),
      tasks_dir: cfg.tasks_dir,
      logs_dir: cfg.logs_dir,
      exit_codes: { "0": "success", "1": "failure (see error.kind)", "2": "dry run completed" },
      commands: commandsJson(),
      explain: {
        command: "docket --json explain <task> --target local|systemd|kubernetes",
        summary: "what enforces each declaration on each target, and what does not hold there",
      },
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
        esc(t.name),
        esc(Array.isArray(t.network) ? t.network.join(",") : String(t.network)),
        String(t.destructive),
        esc(t.required_env.join(",") || "-"),
        esc(t.description),
      ]),
    ),
    "",
    "Use --json for the full contract (permissions, deno_flags, schemas);",
    "`docket explain <task> --target local|systemd|kubernetes` says what enforces each declaration.",
  ].join("\n");
}
