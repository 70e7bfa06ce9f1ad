/**
 * argv → command → data → JSON or human output → exit code. The only place that writes the
 * final document; `main.ts` exits with what this returns.
 */
import { argOptions, ArgsError, parseArgv } from "./args.ts";
import { DocketError, errorToJson, exitCodeFor, suggest, toDocketError } from "../core/errors.ts";
import { COMMANDS, findCommand, GLOBAL_OPTIONS } from "./table.ts";
import type { CommandDef, Ui } from "./types.ts";
import { VERSION } from "../version.ts";
import { lazy } from "../core/lazy.ts";
import { escLines } from "../render/escape.ts";

const enc = new TextEncoder();
const help = () => lazy<typeof import("./help.ts")>("./help.ts", import.meta.url);

/** Thrown when the reader of stdout went away (`docket … | head`): stop quietly. */
class StdoutClosed extends Error {}
let stdoutClosed = false;

function out(s: string): void {
  raw(s.endsWith("\n") ? s : s + "\n");
}

/** Writes text as-is (follow streams carry their own newlines). */
function raw(s: string): void {
  if (stdoutClosed) throw new StdoutClosed();
  const b = enc.encode(s);
  let off = 0;
  try {
    while (off < b.length) off += Deno.stdout.writeSync(b.subarray(off));
  } catch (e) {
    if (e instanceof Deno.errors.BrokenPipe) {
      stdoutClosed = true;
      throw new StdoutClosed();
    }
    throw e;
  }
}

/** One JSON document: indented for a person at a terminal, compact when piped. */
function json(v: unknown, tty: boolean): string {
  return tty ? JSON.stringify(v, null, 2) : JSON.stringify(v);
}

function err(s: string): void {
  try {
    Deno.stderr.writeSync(enc.encode(s.endsWith("\n") ? s : s + "\n"));
  } catch {
    // stderr closed
  }
}

interface Globals {
  json: boolean;
  verbose: number;
  help: boolean;
  version: boolean;
  rest: string[];
}

/** Global flags are accepted before or after the subcommand. */
export function splitGlobals(argv: string[]): Globals {
  const g: Globals = { json: false, verbose: 0, help: false, version: false, rest: [] };
  let passthrough = false;
  for (const a of argv) {
    if (passthrough) g.rest.push(a);
    else if (a === "--") {
      passthrough = true;
      g.rest.push(a);
    } else if (a === "--json") g.json = true;
    else if (a === "-v" || a === "--verbose") g.verbose++;
    else if (a === "-vv") g.verbose += 2;
    else if (a === "-h" || a === "--help") g.help = true;
    else if (a === "--version") g.version = true;
    else g.rest.push(a);
  }
  return g;
}

export async function main(argv: string[]): Promise<number> {
  const g = splitGlobals(argv);
  const tty = Deno.stdout.isTerminal();
  const ui: Ui = {
    json: g.json,
    verbose: g.verbose,
    tty,
    color: tty && !Deno.env.get("NO_COLOR") && Deno.env.get("TERM") !== "dumb",
  };
  try {
    if (g.version && g.rest.length === 0) {
      if (ui.json) out(JSON.stringify({ ok: true, tool: "docket", version: VERSION }));
      else out(`docket ${VERSION}`);
      return 0;
    }
    const name = g.rest[0];
    if (!name) {
      if (g.help) {
        if (ui.json) {
          const { commandsJson } = await help();
          out(json({ ok: true, commands: commandsJson() }, ui.tty));
        } else out((await help()).mainHelp());
        return 0;
      }
      throw new DocketError("usage", "Missing command", {
        hint:
          "Run `docket --help` for the list of commands, `docket --json capabilities` for agents",
      });
    }
    if (name === "help") return await helpFor(g.rest.slice(1), ui);
    const def = findCommand(name);
    if (!def && name.startsWith("-")) {
      const guess = suggest(name, ["--json", "--verbose", "-v", "-vv", "--help", "--version"]);
      throw new DocketError(
        "usage",
        `Unknown option "${name}"${guess ? `: did you mean "${guess}"?` : ""}`,
        { hint: "Global options: --json, -v/-vv, --help, --version; then a command" },
      );
    }
    if (!def) {
      const guess = suggest(name, COMMANDS.filter((c) => !c.hidden).map((c) => c.name));
      throw new DocketError(
        "usage",
        `Unknown command "${name}"${guess ? `: did you mean "${guess}"?` : ""}`,
        { hint: "Run `docket --help` for the list of commands" },
      );
    }
    if (g.help) {
      const { commandHelp, commandJson } = await help();
      if (ui.json) out(json({ ok: true, command: commandJson(def) }, ui.tty));
      else out(commandHelp(def));
      return 0;
    }
    return await dispatch(def, g.rest.slice(1), ui);
  } catch (e) {
    if (e instanceof StdoutClosed) return 0;
    try {
      return reportError(toDocketError(e), ui);
    } catch (again) {
      if (again instanceof StdoutClosed) return exitCodeFor(toDocketError(e).kind);
      throw again;
    }
  }
}

function parseCommandArgs(def: CommandDef, args: string[]) {
  const options = argOptions(def);
  let parsed;
  try {
    parsed = parseArgv(args, options);
  } catch (e) {
    const m = (e as Error).message.replace(/\. To specify a positional.*$/s, "").replace(/\.$/, "");
    throw new DocketError(
      "usage",
      `Cannot parse arguments of "docket ${def.name}": ${m}${optionGuess(def, e)}`,
      {
        hint: `Run \`docket ${def.name} --help\` for its options`,
      },
    );
  }
  const positionals = parsed.positionals;
  const required = def.args.filter((a) => a.required).length;
  if (positionals.length < required) {
    const missing = def.args[positionals.length]!;
    throw new DocketError("usage", `Missing argument <${missing.name}> for "docket ${def.name}"`, {
      hint: `Usage: docket ${def.name} ${
        def.args.map((a) => a.required ? `<${a.name}>` : `[${a.name}]`).join(" ")
      }`,
    });
  }
  if (positionals.length > def.args.length) {
    throw new DocketError(
      "usage",
      `Too many arguments for "docket ${def.name}": unexpected "${positionals[def.args.length]}"`,
      { hint: `Run \`docket ${def.name} --help\`` },
    );
  }
  return { positionals, values: parsed.values as Record<string, string | boolean | string[]> };
}

/** `: did you mean "--dry-run"?` for an unknown option close to one the command has. */
function optionGuess(def: CommandDef, e: unknown): string {
  if (!(e instanceof ArgsError) || e.code !== "ERR_PARSE_ARGS_UNKNOWN_OPTION") return "";
  const raw = /'([^']+)'/.exec(e.message)?.[1];
  if (!raw?.startsWith("--")) return ""; // one letter is too little to guess from
  const names = [
    ...Object.entries(def.options).flatMap((
      [k, o],
    ) => [`--${k}`, ...(o.short ? [`-${o.short}`] : [])]),
    "--json",
    "--verbose",
    "--help",
  ];
  const guess = suggest(raw.split("=")[0]!, names);
  return guess ? `: did you mean "${guess}"?` : "";
}

/** `docket help [command]`: the same text as `docket [command] --help`. */
async function helpFor(rest: string[], ui: Ui): Promise<number> {
  const { commandHelp, commandJson, commandsJson, mainHelp } = await help();
  const name = rest[0];
  if (name === undefined) {
    out(ui.json ? json({ ok: true, commands: commandsJson() }, ui.tty) : mainHelp());
    return 0;
  }
  const def = findCommand(name);
  if (!def || def.hidden) {
    const guess = suggest(name, COMMANDS.filter((c) => !c.hidden).map((c) => c.name));
    throw new DocketError(
      "usage",
      `Unknown command "${name}"${guess ? `: did you mean "${guess}"?` : ""}`,
      { hint: "Run `docket help` for the list of commands" },
    );
  }
  out(ui.json ? json({ ok: true, command: commandJson(def) }, ui.tty) : commandHelp(def));
  return 0;
}

async function dispatch(def: CommandDef, args: string[], ui: Ui): Promise<number> {
  const { positionals, values } = parseCommandArgs(def, args);
  const controller = new AbortController();
  const onSig = () => controller.abort();
  const sigs: Deno.Signal[] = ["SIGINT", "SIGTERM"];
  for (const s of sigs) Deno.addSignalListener(s, onSig);
  try {
    const mod = await def.load();
    const { loadConfig } = await lazy<typeof import("../config/load.ts")>(
      "../config/load.ts",
      import.meta.url,
    );
    const res = await mod.run({
      args: positionals,
      opts: values,
      ui,
      config: () => loadConfig().then(withBackend),
      signal: controller.signal,
    });
    let code = res.exitCode;
    if (res.stream) {
      for await (const item of res.stream) {
        if (ui.json) out(JSON.stringify(item.json));
        else if (item.text) raw(item.text);
        if (item.exitCode !== undefined) code = item.exitCode;
      }
    }
    if (res.data !== undefined) {
      if (ui.json) out(json(res.data, ui.tty));
      else if (mod.render) {
        const text = mod.render(res.data, ui);
        if (text) out(text);
      }
    }
    return code;
  } finally {
    for (const s of sigs) Deno.removeSignalListener(s, onSig);
  }
}

function reportError(e: DocketError, ui: Ui): number {
  if (ui.json) {
    out(json({ ok: false, error: errorToJson(e) }, ui.tty));
  } else {
    const red = ui.color && Deno.stderr.isTerminal() ? (s: string) => `\x1b[31m${s}\x1b[0m` : (
      s: string,
    ) => s;
    // Messages quote task data (names, load errors): never raw control characters.
    err(`${red("error")}: ${escLines(e.message)}`);
    if (e.hint) err(`  hint: ${escLines(e.hint)}`);
  }
  if (e.kind === "internal" && ui.verbose >= 2 && e.cause instanceof Error) {
    err(e.cause.stack ?? String(e.cause));
  } else if (e.kind === "internal" && ui.verbose >= 1 && e.stack) err(e.stack);
  return exitCodeFor(e.kind);
}

export { GLOBAL_OPTIONS };

/** Loads the state backend's code when the config asks for one other than SQLite. */
export async function withBackend<C extends { state?: { backend: string } }>(cfg: C): Promise<C> {
  if (cfg.state?.backend === "postgres") {
    const { loadBackend } = await lazy<typeof import("../store/open.ts")>(
      "../store/open.ts",
      import.meta.url,
    );
    await loadBackend(cfg as Parameters<typeof loadBackend>[0]);
  }
  return cfg;
}
