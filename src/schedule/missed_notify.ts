/**
 * `notify.on: [missed]`: when a start for a slot is recorded, the slots since the task's
 * previous recorded slot that no start reached are sent once, as one notification. (A timer
 * that never fires again never reports: `docket status` and `occurrences` still show it.)
 *
 * @module
 */
import type { DatabaseSync } from "node:sqlite";
import type { NotifyConfig } from "../notify/notify.ts";
import { occurrences } from "./ledger.ts";
import type { SchedulePolicy } from "./next.ts";

export async function notifyMissed(
  db: DatabaseSync,
  task: string,
  policy: SchedulePolicy,
  notify: NotifyConfig | undefined,
  slot: string,
  runId: string,
): Promise<void> {
  if (!notify?.on?.includes("missed")) return;
  const prev = db.prepare(
    "SELECT MAX(slot) AS slot FROM occurrences WHERE task_name = ? AND slot < ? AND state NOT IN ('claimed', 'queued')",
  ).get(task, slot) as { slot: string | null };
  const since = prev.slot ? new Date(Date.parse(prev.slot) + 1) : undefined;
  const missed = occurrences(db, task, policy, { ...(since ? { since } : {}), limit: 100 })
    .filter((o) => o.state === "missed" && o.slot < slot);
  if (!missed.length) return;
  const { sendNotifications } = await import("../notify/notify.ts");
  const shown = missed.slice(0, 5).map((o) => o.slot).join(", ");
  await sendNotifications(notify, {
    runId,
    taskName: task,
    status: "missed",
    exitCode: 1,
    summary: `${missed.length} slot(s) missed before ${slot}: ${shown}${
      missed.length > 5 ? ", …" : ""
    }`,
    details: {},
    durationMs: 0,
  }, (k) => Deno.env.get(k));
}
