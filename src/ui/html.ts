/**
 * HTML building: every value from task data goes through `h` (text and attribute safe), and
 * pages are strings built here, never from a template that could forget. The layout links
 * only docket's own assets (`/assets/…`): no CDN, works offline, allowed by the CSP.
 */
import { esc } from "../render/escape.ts";

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Task data as HTML text or a quoted attribute value: control characters shown escaped too. */
export function h(v: unknown): string {
  if (v === null || v === undefined) return "";
  return esc(String(v)).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A block of task text (a log): newlines kept, the rest as `h`. */
export function hBlock(v: string): string {
  return v.split("\n").map(h).join("\n");
}

/** A path segment of a URL we build (a task name or run id). */
export function seg(v: string): string {
  return encodeURIComponent(v);
}

export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "–";
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return "–";
  const d = Math.round((now - t) / 1000);
  const abs = Math.abs(d);
  const txt = abs < 60
    ? `${abs} s`
    : abs < 3600
    ? `${Math.floor(abs / 60)} min`
    : abs < 86400
    ? `${Math.floor(abs / 3600)} h`
    : `${Math.floor(abs / 86400)} d`;
  return d >= 0 ? `${txt} ago` : `in ${txt}`;
}

/** A status as a coloured badge (the class is from a closed list, never task data). */
export function badge(status: string | null | undefined): string {
  const known = [
    "succeeded",
    "failed",
    "cancelled",
    "timeout",
    "lost",
    "running",
    "queued",
    "dry_run",
  ];
  const s = status ?? "never";
  const cls = known.includes(s) ? s : "none";
  return `<span class="badge ${cls}">${h(s.replace("_", " "))}</span>`;
}

export interface PageOpts {
  title: string;
  body: string;
  readOnly: boolean;
  /** The live script (SSE, actions) for this page. */
  script?: boolean;
}

export function page(o: PageOpts): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(o.title)} · docket</title>
<link rel="stylesheet" href="/assets/ui.css">
${o.script ? '<script src="/assets/ui.js" defer></script>' : ""}
</head><body${o.readOnly ? ' data-read-only="1"' : ""}>
<header><a class="brand" href="/">docket</a><span class="crumb">${h(o.title)}</span>
${o.readOnly ? '<span class="ro">read-only</span>' : ""}
<label class="token" hidden>action token <input id="token" type="password" autocomplete="off" placeholder="paste the token docket printed"></label>
</header>
<main>${o.body}</main>
</body></html>`;
}

export function table(headers: string[], rows: string[][], cls = ""): string {
  const head = headers.map((x) => `<th>${x}</th>`).join("");
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("\n");
  return `<table class="${cls}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}
