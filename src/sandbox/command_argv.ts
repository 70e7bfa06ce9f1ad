/** The argv of a `type: command` task (no shell: words split like a POSIX shell, no expansion). */
import { DocketError } from "../core/errors.ts";
import type { TaskSection } from "../config/types.ts";

/** Splits a command string like a POSIX shell would split words (no expansion, no shell). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quote: '"' | "'" | null = null;
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = null;
      else if (c === "\\" && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      has = true;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has || cur) out.push(cur);
      cur = "";
      has = false;
    } else cur += c;
  }
  if (quote) throw new DocketError("config_invalid", `Unterminated quote in command "${s}"`);
  if (has || cur) out.push(cur);
  return out;
}

function words(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : splitWords(String(v));
}

/** The argv to execute, or null when a dry run has no safe command to run (preview only). */
export function commandArgv(section: TaskSection, dryRun: boolean): string[] | null {
  const args = (section.args as string[] | undefined) ?? [];
  if (!dryRun) return [...words(section.command), ...args];
  if (section.dry_run_command !== undefined) {
    return [...words(section.dry_run_command), ...((section.dry_run_args as string[]) ?? [])];
  }
  if (section.dry_run_args !== undefined) {
    return [...words(section.command), ...(section.dry_run_args as string[])];
  }
  return null;
}
