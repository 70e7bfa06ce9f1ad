/** What a command module looks like: a definition (data) and a run that returns data. */
import type { DocketConfig } from "../config/types.ts";

export interface OptionDef {
  type: "boolean" | "string";
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help as the value's name. */
  value?: string;
}

export interface ArgDef {
  name: string;
  required: boolean;
  description: string;
}

export interface CommandDef {
  name: string;
  summary: string;
  args: ArgDef[];
  options: Record<string, OptionDef>;
  /** Hidden commands (the async runner) stay out of help and capabilities. */
  hidden?: boolean;
  load: () => Promise<CommandModule>;
}

export interface Ui {
  color: boolean;
  tty: boolean;
  verbose: number;
  json: boolean;
}

export interface CommandInput {
  args: string[];
  opts: Record<string, string | boolean | string[] | undefined>;
  ui: Ui;
  /** Loads the config (cached, validated); commands that need none never call it. */
  config: () => Promise<DocketConfig>;
  signal: AbortSignal;
  /**
   * The caller promised to change nothing (MCP tools annotated readOnlyHint): no lost-run
   * cleanup (which kills processes and rewrites rows); runs are shown as it would record them.
   */
  readOnly?: boolean;
}

export interface CommandOutput {
  data: unknown;
  exitCode: number;
  /**
   * For --follow modes: JSON Lines (or text) streamed as they come. An item with `exitCode`
   * ends the stream and sets the exit code. `text` is written as-is (with its own newlines).
   */
  stream?: AsyncIterable<StreamItem>;
}

export interface CommandModule {
  run(input: CommandInput): Promise<CommandOutput>;
  /** Human rendering of `data` (stdout). */
  render?(data: unknown, ui: Ui): string;
}

export interface StreamItem {
  json: unknown;
  text: string;
  exitCode?: number;
}
