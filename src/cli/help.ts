/** --help text and the JSON command list, both from the command table. */
import { COMMANDS, GLOBAL_OPTIONS } from "./table.ts";
import type { CommandDef } from "./types.ts";
import { VERSION } from "../version.ts";

function usage(def: CommandDef): string {
  const args = def.args.map((a) => (a.required ? `<${a.name}>` : `[${a.name}]`)).join(" ");
  return `docket ${def.name}${args ? " " + args : ""}`;
}

export function commandJson(def: CommandDef) {
  return {
    name: def.name,
    usage: usage(def),
    summary: def.summary,
    json: true,
    args: def.args,
    options: Object.entries(def.options).map(([name, o]) => ({
      name: `--${name}`,
      type: o.type,
      ...(o.multiple ? { repeatable: true } : {}),
      description: o.description,
    })),
  };
}

export function commandsJson() {
  return COMMANDS.filter((c) => !c.hidden).map(commandJson);
}

export function mainHelp(): string {
  const visible = COMMANDS.filter((c) => !c.hidden);
  const w = Math.max(...visible.map((c) => usage(c).length - 7));
  const lines = [
    `docket ${VERSION} — deterministic task runner for AI agents and systemd timers`,
    "",
    "Usage: docket [--json] [-v|-vv] <command> [args]",
    "",
    "Commands:",
    ...visible.map((c) => `  ${usage(c).slice(7).padEnd(w)}  ${c.summary}`),
    "",
    "Global options:",
    ...Object.entries(GLOBAL_OPTIONS).map(([k, o]) =>
      `  ${("short" in o ? `-${o.short}, ` : "    ") + "--" + k}`.padEnd(w + 2) +
      `  ${o.description}`
    ),
    "",
    "`docket help <command>` (or `docket <command> --help`) shows a command's options.",
    "Agents: start with `docket --json capabilities`.",
  ];
  return lines.join("\n");
}

export function commandHelp(def: CommandDef): string {
  const lines = [`Usage: ${usage(def)} [options]`, "", def.summary];
  if (def.args.length) {
    lines.push("", "Arguments:");
    for (const a of def.args) lines.push(`  ${a.name.padEnd(18)}  ${a.description}`);
  }
  lines.push("", "Options:");
  for (const [k, o] of Object.entries(def.options)) {
    const flag = `--${k}${o.type === "string" ? ` <${o.value ?? "value"}>` : ""}`;
    lines.push(`  ${flag.padEnd(18)}  ${o.description}`);
  }
  lines.push(`  ${"--json".padEnd(18)}  Print one JSON document on stdout`);
  return lines.join("\n");
}
