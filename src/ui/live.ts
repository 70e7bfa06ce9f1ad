/**
 * `/api/runs/<id>/log/stream`: the run's log as Server-Sent Events, from a byte offset (or
 * the `Last-Event-ID` a reconnecting EventSource sends), until the run ends; then one `end`
 * event with the run's final JSON (as `docket status --run-id`) and the stream closes.
 */
import type { DocketConfig } from "../config/types.ts";
import { runJson } from "../commands/common.ts";
import { openStore } from "../store/open.ts";
import { getRunOrThrow } from "../runs/watch.ts";
import { followRun } from "../runs/follow.ts";
import { readRange } from "../runs/log_file.ts";

const CHUNK = 256 * 1024;

export function logStream(
  cfg: DocketConfig,
  runId: string,
  from: number,
  signal: AbortSignal,
): ReadableStream<Uint8Array> {
  const store = openStore(cfg);
  const r = getRunOrThrow(store, runId); // throws run_not_found before any byte is sent
  const path = r.log_path ?? "";
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  let offset = from;
  const items = followRun(store, runId, signal, () => {
    const chunk = readRange(path, offset, CHUNK);
    if (!chunk.length) return [];
    offset += chunk.length;
    return [{ json: { text: dec.decode(chunk, { stream: true }), offset }, text: "output" }];
  }, (row) => ({ json: { run: runJson(row) }, text: "end" }));
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      const { value, done } = await items.next();
      if (done || signal.aborted) return ctl.close();
      const id = value.text === "output"
        ? `id: ${(value.json as { offset: number }).offset}\n`
        : "";
      ctl.enqueue(enc.encode(`${id}event: ${value.text}\ndata: ${JSON.stringify(value.json)}\n\n`));
      if (value.text === "end") ctl.close();
    },
    async cancel() {
      await items.return(undefined);
    },
  });
}
