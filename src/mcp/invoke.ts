/**
 * MCP tools are the CLI's command modules called with a synthetic input: the same validation,
 * the same JSON. Thrown DocketErrors become MCP tool errors (isError) with the JSON envelope.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { findCommand } from "../cli/table.ts";
import type { CommandInput } from "../cli/types.ts";
import type { DocketConfig } from "../config/types.ts";
import { errorToJson, toDocketError } from "../core/errors.ts";
import { lazy } from "../core/lazy.ts";

/**
 * The config, re-checked on every call: the server lives longer than one edit. The same
 * loader and content key as every other command (a cheap read and hash when unchanged).
 */
export async function freshConfig(): Promise<DocketConfig> {
  const { loadConfig } = await import("../config/load.ts");
  const cfg = await loadConfig();
  if (cfg.state?.backend === "postgres") {
    const open = await lazy<typeof import("../store/open.ts")>("../store/open.ts", import.meta.url);
    await open.loadBackend(cfg);
  }
  return cfg;
}

export interface Call {
  args?: string[];
  opts?: CommandInput["opts"];
  signal: AbortSignal;
  /** A tool annotated readOnlyHint: the command must change nothing. */
  readOnly?: boolean;
}

/** Runs a command from the table and returns its `data` (the `--json` document). */
export async function callCommand(name: string, call: Call): Promise<Record<string, unknown>> {
  const def = findCommand(name);
  if (!def) throw new Error(`MCP tool maps to unknown command "${name}"`);
  const mod = await def.load();
  const out = await mod.run({
    args: call.args ?? [],
    opts: call.opts ?? {},
    ui: { json: true, tty: false, color: false, verbose: 0 },
    config: freshConfig,
    signal: call.signal,
    ...(call.readOnly ? { readOnly: true } : {}),
  });
  return (out.data ?? {}) as Record<string, unknown>;
}

export function toolResult(data: Record<string, unknown>): CallToolResult {
  return {
    content: [{ type: "text", text: JSON.stringify(data, null, 2) }],
    structuredContent: data,
  };
}

export function toolError(err: unknown): CallToolResult {
  const e = toDocketError(err);
  if (e.kind === "internal") console.error(`[docket mcp] ${e.stack ?? e.message}`);
  const data = { ok: false, error: errorToJson(e) };
  return { ...toolResult(data), isError: true };
}

/** Wraps a handler: data → result, anything thrown → a tool error. */
export function handle<A>(
  fn: (args: A, signal: AbortSignal) => Promise<Record<string, unknown>>,
): (args: A, extra: { signal: AbortSignal }) => Promise<CallToolResult> {
  return async (args, extra) => {
    try {
      return toolResult(await fn(args, extra.signal));
    } catch (err) {
      return toolError(err);
    }
  };
}
