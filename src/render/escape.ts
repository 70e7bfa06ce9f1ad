/**
 * Control characters from task data (summaries, descriptions, names, events, log lines) never
 * reach a terminal raw: `ESC]0;title BEL` retitles the window, `ESC[2J` clears it, a bidi
 * override reorders what the reader sees. Every human renderer passes task data through
 * `esc` (one line: newlines and tabs escaped too) or `escLines` (a block of text: newlines and
 * tabs kept). Allow-list: anything that is not printable is shown as a `\xNN`/`\u{N}` escape.
 */

// C0 and C1 controls, DEL, the bidi embeddings/overrides/isolates and marks, line/paragraph
// separators. (Other format characters, such as the zero-width joiner in emoji, are harmless.)
// deno-lint-ignore no-control-regex
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BLOCK =
  // deno-lint-ignore no-control-regex
  /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(c: string): string {
  const named = NAMED[c];
  if (named) return named;
  const n = c.codePointAt(0)!;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u{${n.toString(16)}}`;
}

/** One line of task data, safe for a terminal: every control character escaped. */
export function esc(s: string | null | undefined): string {
  if (s === null || s === undefined) return "";
  return String(s).replace(UNSAFE, escapeChar);
}

/** A block of task text (a log, a multi-line message): newlines and tabs kept, the rest escaped. */
export function escLines(s: string | null | undefined): string {
  if (s === null || s === undefined) return "";
  return String(s).replace(UNSAFE_BLOCK, escapeChar);
}
