/** `docket logs <run_id> [--follow] [--tail N]`: the run's captured output. */
import type { CommandInput, CommandOutput, StreamItem } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { exitCodeForStatus, isTerminal } from "../core/statuses.ts";
import { openStore } from "./common.ts";
import { requireRunId } from "./status.ts";
import { getRunOrThrow, sleep } from "../runs/watch.ts";
import { reconcile } from "../runs/reconcile.ts";
import type { SqliteStore } from "../store/sqlite_store.ts";

const MAX_BYTES = 1024 * 1024;

function readFrom(path: string, offset: number, max: number): Uint8Array {
  let f: Deno.FsFile;
  try {
    f = Deno.openSync(path, { read: true });
  } catch {
    return new Uint8Array(0);
  }
  try {
    f.seekSync(offset, Deno.SeekMode.Start);
    const buf = new Uint8Array(max);
    let n = 0;
    while (n < max) {
      const got = f.readSync(buf.subarray(n));
      if (got === null || got === 0) break;
      n += got;
    }
    return buf.subarray(0, n);
  } finally {
    f.close();
  }
}

function size(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const runId = requireRunId(input.args[0]!);
  const tailRaw = input.opts.tail as string | undefined;
  const tail = tailRaw === undefined ? null : Number(tailRaw);
  if (tail !== null && (!Number.isInteger(tail) || tail < 0)) {
    throw new DocketError("usage", `Invalid --tail "${tailRaw}": expected a number of lines`, {
      hint: "For example --tail 50",
    });
  }
  const cfg = await input.config();
  const store = openStore(cfg);
  const r = getRunOrThrow(store, runId);
  const path = r.log_path ?? "";
  if (input.opts.follow === true) {
    return { exitCode: 0, data: undefined, stream: follow(store, runId, path, input, tail) };
  }
  try {
    const total = size(path);
    const start = Math.max(0, total - MAX_BYTES);
    let text = new TextDecoder().decode(readFrom(path, start, MAX_BYTES));
    if (tail !== null) text = text.split("\n").slice(-(tail + 1)).join("\n");
    return {
      exitCode: 0,
      data: {
        ok: true,
        run_id: runId,
        status: r.status,
        log_path: path,
        size: total,
        truncated: start > 0,
        content: text,
      },
    };
  } finally {
    store.close();
  }
}

async function* follow(
  store: SqliteStore,
  runId: string,
  path: string,
  input: CommandInput,
  tail: number | null,
): AsyncGenerator<StreamItem> {
  const dec = new TextDecoder();
  let offset = tail === null ? 0 : Math.max(0, size(path) - 64 * 1024);
  let lastCheck = 0;
  try {
    while (true) {
      const r = getRunOrThrow(store, runId);
      const chunk = readFrom(path, offset, MAX_BYTES);
      if (chunk.length) {
        offset += chunk.length;
        const text = dec.decode(chunk, { stream: true });
        yield { json: { type: "output", run_id: runId, text }, text };
        continue;
      }
      if (isTerminal(r.status)) {
        const code = exitCodeForStatus(r.status);
        input.ui.json || Deno.stderr.writeSync(
          new TextEncoder().encode(`[docket] run ${runId} ${r.status}\n`),
        );
        yield {
          json: { type: "end", run_id: runId, status: r.status, exit_code: code },
          text: "",
          exitCode: code,
        };
        return;
      }
      if (input.signal.aborted) return;
      if (Date.now() - lastCheck > 1000) {
        lastCheck = Date.now();
        reconcile(store);
      }
      await sleep(100, input.signal);
    }
  } finally {
    store.close();
  }
}

export function render(data: unknown): string {
  const d = data as { content: string; truncated: boolean; log_path: string };
  return (d.truncated ? `[docket] showing the last 1 MiB of ${d.log_path}\n` : "") + d.content;
}
