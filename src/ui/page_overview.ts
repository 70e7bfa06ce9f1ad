/** The overview `/`: what is running now, then every task's health at a glance. */
import type { overviewData } from "./data.ts";
import { ago, badge, durationText, h, page, seg, table } from "./html.ts";
import { sparkline } from "./svg.ts";

type Overview = Awaited<ReturnType<typeof overviewData>>;

const pct = (x: number | null) => (x === null ? "–" : `${Math.round(x * 100)} %`);

function due(t: Overview["tasks"][number]): string {
  if (t.state === "unscheduled") return `<span class="muted">not scheduled</span>`;
  if (t.state === "overdue" || t.state === "missed") {
    return `<span class="badge failed">${t.state}</span>`;
  }
  return `<span title="${h(t.next_due)}">${h(ago(t.next_due))}</span>`;
}

export function overviewPage(d: Overview, readOnly: boolean): string {
  const running = d.running.length
    ? table(
      ["Task", "Run", "Started", "Elapsed", ""],
      d.running.map((r) => [
        `<a href="/tasks/${seg(r.task)}">${h(r.task)}</a>${r.dry_run ? " (dry run)" : ""}`,
        `<a href="/runs/${seg(r.run_id)}">${h(r.run_id)}</a>`,
        h(ago(r.started_at)),
        `<span class="elapsed" data-since="${h(r.started_at)}">${
          h(durationText(Date.now() - Date.parse(r.started_at)))
        }</span>`,
        readOnly ? "" : `<button class="act" data-cancel="${h(r.run_id)}">Cancel</button>`,
      ]),
      "running",
    )
    : `<p class="muted">Nothing is running.</p>`;
  const rows = d.tasks.map((t) => [
    `<a href="/tasks/${seg(t.name)}">${h(t.name)}</a><div class="muted small">${
      h(t.description)
    }</div>`,
    `<span class="src">${h(t.source)}</span>`,
    t.last_run
      ? `<a href="/runs/${seg(t.last_run.run_id)}">${badge(t.last_run.status)}</a> ${
        h(ago(t.last_run.finished_at ?? t.last_run.started_at))
      }`
      : badge(null),
    `${pct(t.stats.success_rate)}<div class="muted small">of ${t.stats.runs}</div>`,
    t.last_success ? h(ago(t.last_success.finished_at)) : `<span class="muted">never</span>`,
    due(t),
    h(durationText(t.stats.p50_ms)),
    h(durationText(t.stats.p95_ms)),
    sparkline(t.stats.durations_ms.slice(-50)),
  ]);
  const body = `<section><h2>Running now (${d.running.length})</h2>${running}</section>
<section><h2>Tasks (${d.tasks.length})</h2>
${
    table(
      ["Task", "Kind", "Last run", "Success", "Last success", "Next due", "p50", "p95", "Recent"],
      rows,
      "tasks",
    )
  }
<p class="muted small">Success rate, p50/p95 and the sparkline: the last ${200} real runs of each task (dry runs excluded).</p>
</section>`;
  return page({ title: "Overview", body, readOnly, script: true });
}
