/** `docket logs <run_id> [--follow] [--tail N]`: the run's captured output. */
import type { CommandInput, CommandOutput, StreamItem, Ui } from "../cli/types.ts";
import { escLines } from "../render/escape.ts";
import { DocketError } from "../core/errors.ts";
import { openReconciled } from "./common.ts";
import { requireRunId } from "./status.ts";
import { getRunOrThrow } from "../runs/watch.ts";
import { followRun } from "../runs/follow.ts";
import { fileSize, readRange } from "../runs/log_file.ts";
import type { Store } from "../core/store.ts";

const MAX_BYTES = 1024 * 1024;

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
  const store = openReconciled(cfg);
  const r = getRunOrThrow(store, runId);
  const path = r.log_path ?? "";
  if (input.opts.follow === true) {
    return { exitCode: 0, data: undefined, stream: follow(store, runId, path, input, tail) };
  }
  try {
    const total = fileSize(path);
    const start = Math.max(0, total - MAX_BYTES);
    let text = new TextDecoder().decode(readRange(path, start, MAX_BYTES));
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

function follow(
  store: Store,
  runId: string,
  path: string,
  input: CommandInput,
  tail: number | null,
): AsyncGenerator<StreamItem> {
  const dec = new TextDecoder();
  let offset = tail === null ? 0 : Math.max(0, fileSize(path) - 64 * 1024);
  return followRun(store, runId, input.signal, () => {
    const chunk = readRange(path, offset, MAX_BYTES);
    if (!chunk.length) return [];
    offset += chunk.length;
    const text = dec.decode(chunk, { stream: true });
    return [{ json: { type: "output", run_id: runId, text }, text: forTerminal(text, input.ui) }];
  }, (r, code) => {
    if (!input.ui.json) {
      Deno.stderr.writeSync(new TextEncoder().encode(`[docket] run ${runId} ${r.status}\n`));
    }
    return { json: { type: "end", run_id: runId, status: r.status, exit_code: code }, text: "" };
  });
}

/**
 * The log is the task's own bytes: piped (`docket logs ID > file`, `| grep`) they pass as they
 * are; on a terminal, control characters are escaped so the task cannot drive it.
 */
function forTerminal(text: string, ui: Ui): string {
  return ui.tty ? escLines(text) : text;
}

export function render(data: unknown, ui: Ui): string {
  const d = data as { content: string; truncated: boolean; log_path: string };
  return (d.truncated ? `[docket] showing the last 1 MiB of ${escLines(d.log_path)}\n` : "") +
    forTerminal(d.content, ui);
}
