/**
 * Charts as inline SVG strings drawn here: a sparkline and a bar chart are a few dozen lines,
 * need no script (they render without JavaScript and under a CSP without 'unsafe-eval'), and
 * cost no dependency to download, audit and load. Numbers only: no task text inside.
 */
import { durationText } from "./html.ts";
import { outliers, percentile } from "./stats.ts";

const f = (n: number) => (Math.round(n * 10) / 10).toString();

/** Recent durations (oldest first) as a polyline `w`×`hgt` pixels. */
export function sparkline(durations: number[], w = 120, hgt = 24): string {
  if (durations.length < 2) return `<svg class="spark" width="${w}" height="${hgt}"></svg>`;
  const max = Math.max(...durations, 1);
  const step = w / (durations.length - 1);
  const pts = durations.map((d, i) => `${f(i * step)},${f(hgt - 2 - (d / max) * (hgt - 4))}`);
  return `<svg class="spark" width="${w}" height="${hgt}" viewBox="0 0 ${w} ${hgt}" ` +
    `role="img" aria-label="recent durations"><polyline points="${pts.join(" ")}"/></svg>`;
}

/**
 * Durations (oldest first) as bars; bars above +20 % of the median are marked `outlier`
 * (red) and the median is drawn as a dashed line.
 */
export function durationChart(durations: number[], w = 900, hgt = 180): string {
  if (!durations.length) return `<p class="muted">No finished runs yet.</p>`;
  const pad = 36;
  const max = Math.max(...durations, 1);
  const bw = (w - pad) / durations.length;
  const out = outliers(durations);
  const y = (d: number) => hgt - 16 - (d / max) * (hgt - 28);
  const bars = durations.map((d, i) =>
    `<rect class="${out.has(i) ? "bar outlier" : "bar"}" x="${f(pad + i * bw)}" y="${
      f(y(d))
    }" width="${f(Math.max(1, bw - 1))}" height="${f(hgt - 16 - y(d))}"><title>${durationText(d)}${
      out.has(i) ? " (outlier: > +20 % of the median)" : ""
    }</title></rect>`
  ).join("");
  const med = percentile([...durations].sort((a, b) => a - b), 50)!;
  return `<svg class="chart" width="100%" viewBox="0 0 ${w} ${hgt}" role="img" ` +
    `aria-label="durations of recent runs">` +
    `<text class="axis" x="0" y="12">${durationText(max)}</text>` +
    `<text class="axis" x="0" y="${hgt - 4}">0</text>${bars}` +
    `<line class="median" x1="${pad}" x2="${w}" y1="${f(y(med))}" y2="${f(y(med))}"/>` +
    `<text class="axis" x="${w - 4}" y="${f(y(med) - 3)}" text-anchor="end">median ${
      durationText(med)
    }</text></svg>` +
    `<p class="muted">${out.size} outlier${out.size === 1 ? "" : "s"} ` +
    `(above +20 % of the median) of ${durations.length} runs, marked red.</p>`;
}
