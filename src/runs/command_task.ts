/** `type: command` tasks: argv building and the README's output formats. */

export { commandArgv, splitWords } from "../sandbox/command_argv.ts";

export const MAX_EVENTS_IN_DETAILS = 100;

export type Format = "text" | "json" | "jsonl" | "auto";

export interface ParsedOutput {
  details: Record<string, unknown>;
  error?: string;
}

export function parseJsonlLine(line: string): Record<string, unknown> | undefined {
  const t = line.trim();
  if (!t) return undefined;
  const v = JSON.parse(t);
  if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("not a JSON object");
  return v as Record<string, unknown>;
}

export function eventTypeOf(e: Record<string, unknown>): string {
  const t = e.type ?? e.event ?? e.event_type ?? e.kind;
  return typeof t === "string" && t ? t : "event";
}

/** Parses the whole stdout (bounded) for json / auto formats. */
export function parseFinalOutput(format: Format, stdout: string, truncated: boolean): ParsedOutput {
  if (format === "json" || format === "auto") {
    const t = stdout.trim();
    if (truncated) {
      return format === "json"
        ? { details: {}, error: "stdout is too large to parse as JSON (it was cut; see the log)" }
        : { details: { format: "text" } };
    }
    try {
      return { details: { json: JSON.parse(t), format: "json" } };
    } catch (err) {
      if (format === "json") {
        return {
          details: {},
          error: `stdout is not valid JSON${jsonErrorWhere(err)}`,
        };
      }
    }
    const lines = t.split("\n").filter((l) => l.trim());
    if (lines.length) {
      try {
        const events = lines.map((l) => parseJsonlLine(l)!);
        return { details: { format: "jsonl", ...eventDetails(events) } };
      } catch {
        // text
      }
    }
    return { details: { format: "text" } };
  }
  return { details: { format } };
}

export function eventDetails(events: Record<string, unknown>[], total = events.length) {
  const kept = events.slice(-MAX_EVENTS_IN_DETAILS);
  const d: Record<string, unknown> = {
    events: kept,
    event_count: total,
    last_event: events.length ? events[events.length - 1] : null,
  };
  if (total > kept.length) d.events_truncated = true;
  return d;
}

/**
 * Where JSON.parse failed, without the quoted piece of input V8 puts in its message: that
 * piece is task output and may hold the start of a secret that masking cannot recognise.
 */
function jsonErrorWhere(err: unknown): string {
  const m = /position (\d+)/.exec(String((err as Error)?.message ?? ""));
  if (m) return ` (at character ${m[1]})`;
  return /end of JSON input/.test(String((err as Error)?.message)) ? " (it ends early)" : "";
}
