/** Human output helpers: aligned tables, colour only on a TTY without NO_COLOR, times. */
import type { Ui } from "../cli/types.ts";

const CODES: Record<string, string> = {
  red: "31",
  green: "32",
  yellow: "33",
  blue: "34",
  gray: "90",
  bold: "1",
};

export function paint(ui: Ui, color: keyof typeof CODES, s: string): string {
  return ui.color ? `\x1b[${CODES[color]}m${s}\x1b[0m` : s;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
/** Characters a cell takes on screen (colour codes take none). */
export function width(s: string): number {
  return [...s.replace(ANSI, "")].length;
}

/** Cuts `s` to at most `n` characters, marking a cut with `…`. */
export function fit(s: string, n: number): string {
  const chars = [...s];
  if (chars.length <= n) return s;
  return chars.slice(0, Math.max(0, n - 1)).join("") + "…";
}

/** The terminal's width on a TTY; `COLUMNS` or 120 when piped. */
export function columns(ui: Ui): number {
  if (ui.tty) {
    try {
      const c = Deno.consoleSize().columns;
      if (c > 0) return c;
    } catch {
      // not a console after all
    }
  }
  const env = Number(Deno.env.get("COLUMNS"));
  return Number.isInteger(env) && env > 0 ? env : 120;
}

export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ""))));
  const line = (cells: string[]) =>
    cells.map((c, i) => i === cells.length - 1 ? c : c + " ".repeat(widths[i]! - width(c)))
      .join("  ").trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

/** Relative time on a TTY ("3m ago"), ISO-8601 when piped. */
export function when(ui: Ui, iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "-";
  if (!ui.tty) return iso;
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (s < 0) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86400)}d ago`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "-";
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function statusText(ui: Ui, status: string | null | undefined): string {
  if (!status) return paint(ui, "gray", "never run");
  const c = status === "succeeded"
    ? "green"
    : status === "running" || status === "queued"
    ? "blue"
    : status === "dry_run"
    ? "gray"
    : status === "cancelled"
    ? "yellow"
    : "red";
  return paint(ui, c, status);
}
