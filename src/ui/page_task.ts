/** The task page `/tasks/<name>`: chart, runs (keyset pages), permissions, config. */
import type { taskData } from "./data.ts";
import { ago, badge, durationText, h, hBlock, page, seg, table } from "./html.ts";
import { durationChart } from "./svg.ts";

type TaskDoc = Awaited<ReturnType<typeof taskData>>;

const list = (v: boolean | string[]) =>
  v === true ? "any" : v === false || v.length === 0 ? "none" : v.map(h).join("<br>");

function permissions(t: NonNullable<TaskDoc["task"]>): string {
  const p = t.permissions;
  const by = p.enforced_by as Record<string, string | undefined>;
  const enf = (k: string) => `<span class="enf ${h(by[k] ?? "none")}">${h(by[k] ?? "–")}</span>`;
  return table(["Declaration", "Granted", "Enforced by"], [
    ["network", list(p.net), enf("network")],
    ["read", list(p.read), enf("read")],
    ["write", list(p.write), enf("write")],
    ["env", list(p.env), enf("env")],
    ["run (exec)", list(p.run), enf("processes")],
    ["sys", list(p.sys), "–"],
  ], "perms") + (p.notes.length
    ? `<ul class="notes">${
      p.notes.map((n: string) => `<li>${h(n)}</li>`).join("")
    }</ul>`
    : "");
}

export function taskPage(d: TaskDoc, readOnly: boolean, before: string | null): string {
  const t = d.task;
  const actions = readOnly || !t ? "" : `<div class="actions">
<button class="act" data-run="${h(d.name)}">Run now</button>
${t.has_dry_run ? `<button class="act" data-run="${h(d.name)}" data-dry="1">Dry run</button>` : ""}
${t.destructive ? '<span class="warn">destructive: needs docket ui --allow-destructive</span>' : ""}
<span class="result" id="action-result" role="status"></span></div>`;
  const runs = table(
    ["Run", "Status", "Started", "Duration", "Summary"],
    d.runs.map((r) => [
      `<a href="/runs/${seg(r.run_id)}">${h(r.run_id)}</a>`,
      badge(r.dry_run && r.status === "succeeded" ? "dry_run" : r.status),
      `<span title="${h(r.started_at)}">${h(ago(r.started_at))}</span>`,
      h(durationText(r.duration_ms)),
      `<span class="summary">${h(r.summary)}</span>`,
    ]),
    "runs",
  );
  const older = d.next_before
    ? `<a class="more" href="/tasks/${seg(d.name)}?before=${seg(d.next_before)}">Older runs →</a>`
    : "";
  const newer = before ? `<a class="more" href="/tasks/${seg(d.name)}">← Newest runs</a>` : "";
  const sched = t && typeof t.schedule === "string"
    ? `schedule <code>${h(t.schedule)}</code>, next due ${
      h(d.state === "scheduled" ? ago(d.next_due) : d.state)
    } <span class="muted">${h(d.next_due)}</span>`
    : "not scheduled";
  const body = `<section class="head"><h1>${h(d.name)}</h1>
<p>${h(t?.description ?? "(no longer configured: history only)")}</p>
<p class="muted">${h(t?.source ?? "history")} task · ${sched} · last success ${
    h(d.last_success ? ago(d.last_success.finished_at) : "never")
  } · p50 ${h(durationText(d.stats.p50_ms))} · p95 ${h(durationText(d.stats.p95_ms))}</p>
${actions}</section>
<section><h2>Durations (last ${d.stats.durations_ms.length} finished runs)</h2>${
    durationChart(d.stats.durations_ms)
  }</section>
<section><h2>Runs</h2>${runs}<nav class="pager">${newer} ${older}</nav></section>
${t ? `<section><h2>Permissions and who enforces them</h2>${permissions(t)}</section>` : ""}
${
    t
      ? `<section><h2>Config (secrets masked)</h2><pre class="config">${
        hBlock(JSON.stringify(t.config, null, 2))
      }</pre></section>`
      : ""
  }`;
  return page({ title: d.name, body, readOnly, script: true });
}
