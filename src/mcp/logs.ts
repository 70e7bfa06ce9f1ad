/**
 * `get_logs`: a run's captured output by byte range, so a client can page through a big log
 * (`offset` → `next_offset`) or read its end (`tail` lines), never more than `max_bytes`.
 */
import { DocketError } from "../core/errors.ts";
import type { DocketConfig } from "../config/types.ts";
import { openStore } from "../store/open.ts";
import { requireRunId } from "../commands/status.ts";
import { getRunOrThrow } from "../runs/watch.ts";
import { presentRun } from "../runs/reconcile.ts";
import { fileSize, readRange } from "../runs/log_file.ts";

export const MAX_LOG_BYTES = 1024 * 1024;

const isContinuation = (b: number | undefined) => b !== undefined && (b & 0xc0) === 0x80;

/** Bytes to drop at the start so the text begins on a character, not inside one. */
export function leadingPartial(b: Uint8Array): number {
  let i = 0;
  while (i < 3 && isContinuation(b[i])) i++;
  return i;
}

/** Bytes to drop at the end: an incomplete multi-byte character (the rest comes next page). */
export function trailingPartial(b: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, b.length); back++) {
    const c = b[b.length - back]!;
    if (isContinuation(c)) continue;
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

export interface LogsQuery {
  run_id: string;
  tail?: number | undefined;
  offset?: number | undefined;
  max_bytes: number;
}

export function readLogs(cfg: DocketConfig, q: LogsQuery) {
  requireRunId(q.run_id);
  if (q.tail !== undefined && q.offset !== undefined) {
    throw new DocketError("usage", "Cannot combine tail and offset in get_logs", {
      hint: "Use offset (and next_offset) to page forward, or tail for the last lines",
    });
  }
  // A read-only tool: the run as cleanup would show it, nothing recorded or killed.
  const store = openStore(cfg);
  let r;
  try {
    r = presentRun(getRunOrThrow(store, q.run_id));
  } finally {
    store.close();
  }
  const path = r.log_path ?? "";
  const size = fileSize(path);
  const fromEnd = q.offset === undefined;
  let start = fromEnd ? Math.max(0, size - q.max_bytes) : Math.min(q.offset!, size);
  let bytes = readRange(path, start, fromEnd ? size - start : q.max_bytes);
  if (fromEnd && start > 0) {
    const skip = leadingPartial(bytes);
    start += skip;
    bytes = bytes.subarray(skip);
  }
  bytes = bytes.subarray(0, bytes.length - trailingPartial(bytes));
  let content = new TextDecoder().decode(bytes);
  let truncated = fromEnd && start > 0;
  const next = start + bytes.length;
  if (q.tail !== undefined) {
    // The last `tail` lines; a final newline does not count as an empty line.
    const n = q.tail + (content.endsWith("\n") ? 1 : 0);
    const keep = q.tail === 0 ? "" : content.split("\n").slice(-n).join("\n");
    if (keep.length < content.length) truncated = true;
    content = keep;
    start = next - new TextEncoder().encode(keep).length;
  }
  return {
    ok: true,
    run_id: r.run_id,
    task: r.task_name,
    status: r.status,
    log_path: path,
    size,
    offset: start,
    next_offset: next,
    eof: next >= size,
    truncated,
    content,
  };
}
