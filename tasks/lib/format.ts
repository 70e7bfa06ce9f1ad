/** Human sizes for summaries: 1024-based, one decimal (`58.6 KiB`). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return `${n} B`;
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** A percentage with one decimal, for summaries. */
export function formatPct(p: number): string {
  return `${Math.round(p * 10) / 10}%`;
}
