/** `docket events <run_id> [--follow] [--from N]`: structured events recorded for a run. */
import type { CommandInput, CommandOutput, StreamItem, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import type { EventRow } from "../core/store.ts";
import { openReader } from "./common.ts";
import { requireRunId } from "./status.ts";
import { getRunOrThrow } from "../runs/watch.ts";
import { followRun } from "../runs/follow.ts";
import type { Store } from "../core/store.ts";
import { table } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

const PAGE = 1000;

export async function run(input: CommandInput): Promise<CommandOutput> {
  const runId = requireRunId(input.args[0]!);
  const fromRaw = input.opts.from as string | undefined;
  const from = fromRaw === undefined ? 0 : Number(fromRaw);
  if (!Number.isSafeInteger(from) || from < 0) {
    throw new DocketError("usage", `Invalid --from "${fromRaw}": expected an event index ≥ 0`, {
      hint: "Event indexes start at 0",
    });
  }
  const limitRaw = input.opts.limit as string | undefined;
  const limit = limitRaw === undefined ? 10000 : Number(limitRaw);
  // Safe integers only: `--limit 1e308` is an integer to JS but not to SQLite, which failed
  // with a state_error ("datatype mismatch") as if the database were broken.
  if (!Number.isSafeInteger(limit) || limit < 1) {
    throw new DocketError("usage", `Invalid --limit "${limitRaw}": expected a whole number ≥ 1`, {
      hint: "For example --limit 100",
    });
  }
  const cfg = await input.config();
  const { store, view } = openReader(cfg, input.readOnly);
  const r = view(getRunOrThrow(store, runId));
  if (input.opts.follow === true) {
    return { exitCode: 0, data: undefined, stream: follow(store, runId, from, input) };
  }
  try {
    const events = store.listEvents(runId, from, limit);
    const total = store.countEvents(runId);
    return {
      exitCode: 0,
      data: {
        ok: true,
        run_id: runId,
        task: r.task_name,
        status: r.status,
        ...(r.host_id === undefined ? {} : { host: r.host_id }),
        total,
        from,
        next_from: from + events.length,
        events,
      },
    };
  } finally {
    store.close();
  }
}

const HEADERS = ["#", "TIME", "TYPE", "EVENT"];

function cells(e: EventRow): string[] {
  return [String(e.event_index), esc(e.timestamp), esc(e.event_type), esc(JSON.stringify(e.event))];
}

/**
 * `--follow` prints the columns of `events` as events arrive: the table cannot know later
 * rows' widths, so the first columns get fixed widths (index 5, an ISO time 24, type 16).
 */
const FOLLOW_WIDTHS = [5, 24, 16];
function line(e: EventRow): string {
  return cells(e).map((c, i) => i < FOLLOW_WIDTHS.length ? c.padEnd(FOLLOW_WIDTHS[i]!) : c)
    .join("  ").trimEnd() + "\n";
}
function headerLine(): string {
  return HEADERS.map((c, i) => i < FOLLOW_WIDTHS.length ? c.padEnd(FOLLOW_WIDTHS[i]!) : c)
    .join("  ") + "\n";
}

function follow(
  store: Store,
  runId: string,
  from: number,
  input: CommandInput,
): AsyncGenerator<StreamItem> {
  let next = from;
  let header = !input.ui.json;
  return followRun(store, runId, input.signal, () => {
    const batch = store.listEvents(runId, next, PAGE);
    next += batch.length;
    const items = batch.map((e) => ({ json: e, text: line(e) }));
    if (header && items.length) {
      header = false;
      items[0]!.text = headerLine() + items[0]!.text;
    }
    return items;
  }, (r, code) => ({
    json: { type: "end", run_id: runId, status: r.status, exit_code: code, events: next },
    text: "",
  }));
}

export function render(data: unknown, _ui: Ui): string {
  const d = data as { events: EventRow[]; total: number };
  if (!d.events.length) return "No events.";
  return table(HEADERS, d.events.map(cells));
}
