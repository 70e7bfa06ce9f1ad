/** The run page `/runs/<id>`: result, details tree, events, hooks, live log tail. */
import type { runData } from "./data.ts";
import { ago, badge, durationText, h, hBlock, page, seg, table } from "./html.ts";

type RunDoc = ReturnType<typeof runData>;

const MAX_DEPTH = 8;

/** Any JSON value as nested lists: keys and scalars escaped, depth bounded. */
export function tree(v: unknown, depth = 0): string {
  if (v === null || typeof v !== "object") {
    return `<code class="v">${h(typeof v === "string" ? v : JSON.stringify(v))}</code>`;
  }
  if (depth >= MAX_DEPTH) return `<code class="v">…</code>`;
  const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
  if (!entries.length) return `<code class="v">${Array.isArray(v) ? "[]" : "{}"}</code>`;
  return `<ul class="tree">${
    entries.slice(0, 500).map(([k, x]) =>
      `<li><span class="k">${h(k)}</span> ${tree(x, depth + 1)}</li>`
    )
      .join("")
  }${entries.length > 500 ? `<li class="muted">… ${entries.length - 500} more</li>` : ""}</ul>`;
}

export function runPage(d: RunDoc, readOnly: boolean): string {
  const r = d.run;
  const live = r.status === "running" || r.status === "queued";
  const facts = table(["", ""], [
    ["Task", `<a href="/tasks/${seg(r.task)}">${h(r.task)}</a>${r.dry_run ? " (dry run)" : ""}`],
    ["Status", `<span id="run-status">${badge(r.status)}</span>`],
    ["Summary", `<span id="run-summary">${h(r.summary) || "–"}</span>`],
    ["Exit code", `<span id="run-exit">${h(r.exit_code ?? "–")}</span>`],
    ["Started", `${h(r.started_at)} <span class="muted">(${h(ago(r.started_at))})</span>`],
    ["Duration", `<span id="run-duration">${h(durationText(r.duration_ms))}</span>`],
    ["Attempts", h(r.attempts)],
    ...(r.error
      ? [[
        "Error",
        `<code>${h(r.error.kind)}</code> ${h(r.error.message)}${
          r.error.hint ? `<div class="muted">${h(r.error.hint)}</div>` : ""
        }`,
      ]]
      : []),
  ], "facts");
  const events = d.events.length
    ? table(
      ["#", "Time", "Type", "Event"],
      d.events.map((e) => [h(e.event_index), h(e.timestamp), h(e.event_type), tree(e.event)]),
      "events",
    ) + (d.events_total > d.events.length
      ? `<p class="muted">First ${d.events.length} of ${d.events_total} events: <code>docket events ${
        h(r.run_id)
      }</code> shows all.</p>`
      : "")
    : `<p class="muted">No events.</p>`;
  const hooks = r.hooks.length
    ? table(
      ["Hook", "Outcome", "Detail"],
      r.hooks.map((x) => [h(x.name), badge(x.ok ? "succeeded" : "failed"), tree(x)]),
      "hooks",
    )
    : `<p class="muted">No hooks or notifications ran${live ? " yet" : ""}.</p>`;
  const cancel = live && !readOnly
    ? `<div class="actions"><button class="act" data-cancel="${h(r.run_id)}">Cancel run</button>
<span class="result" id="action-result" role="status"></span></div>`
    : "";
  const body = `<section class="head" id="sec-facts"><h1>Run ${
    h(r.run_id)
  }</h1>${cancel}${facts}</section>
<section><h2>Log${d.log.truncated ? " (last 64 KiB)" : ""}</h2>
<pre id="log" class="log" data-run="${h(r.run_id)}" data-offset="${d.log.offset}" data-live="${
    live ? "1" : "0"
  }">${hBlock(d.log.content)}</pre>
<p class="muted small" id="log-state">${
    live ? "Following the log (needs JavaScript; reload without it)." : "Run finished."
  }</p></section>
<section id="sec-details"><h2>Details</h2>${tree(r.details)}</section>
<section id="sec-events"><h2>Events</h2>${events}</section>
<section id="sec-hooks"><h2>Hooks and notifications</h2>${hooks}</section>`;
  return page({ title: `run ${r.run_id}`, body, readOnly, script: true });
}
