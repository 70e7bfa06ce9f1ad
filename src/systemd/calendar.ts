/**
 * A task's schedule policy as a systemd timer: OnCalendar= lines with the time zone and the
 * jitter's stable offset baked in (the same offset `docket scheduler` fires at, from
 * src/schedule/next.ts), and Persistent= from catch_up. The offset is baked in rather than
 * given to RandomizedDelaySec=+FixedRandomDelay=yes because systemd hashes its own delay
 * (machine id + unit name) and docket could not predict it: the scheduler and the timer would
 * fire at different times. tests/systemd_calendar_test.ts checks the agreement with
 * `systemd-analyze calendar`.
 *
 * @module
 */
import { DocketError } from "../core/errors.ts";
import { cronToOnCalendar, timeFields } from "./cron.ts";
import { MACROS, policyOf } from "../schedule/next.ts";

export interface TimerCalendar {
  onCalendar: string[];
  persistent: boolean;
  notes: string[];
}

const pad = (n: number) => String(n).padStart(2, "0");
const list = (vals: number[], size: number) => vals.length === size ? "*" : vals.map(pad).join(",");

export function timerCalendar(task: string, c: Record<string, unknown>): TimerCalendar {
  const p = policyOf(task, c);
  if (!p) throw new Error(`task ${task} has no schedule`);
  const expr = MACROS[p.schedule.toLowerCase()] ?? p.schedule;
  let lines = cronToOnCalendar(expr);
  const notes: string[] = [];
  if (p.offsetSeconds > 0) lines = shifted(task, expr, lines, p.offsetSeconds);
  if (p.timezone) lines = lines.map((l) => `${l} ${p.timezone}`);
  if (p.catchUp === "all") {
    notes.push(
      "catch_up: all — a systemd timer starts a missed slot once (Persistent=true), not each",
    );
  }
  if (p.overlap === "queue" || p.overlap === "replace" || p.overlap === "allow") {
    notes.push(
      `overlap: ${p.overlap} — systemd does not start a timer's service while it still runs: ` +
        "a slot due then is not started (and shows as missed)",
    );
  }
  return { onCalendar: lines, persistent: p.catchUp !== "none", notes };
}

/** The lines with each time of day moved by `offset` seconds, when OnCalendar can say it. */
function shifted(task: string, expr: string, lines: string[], offset: number): string[] {
  const f = timeFields(expr);
  const times = new Set<number>();
  let wraps = false;
  for (const h of f.hour) {
    for (const m of f.min) {
      for (const s of f.sec) {
        const t = h * 3600 + m * 60 + s + offset;
        if (t >= 86400) wraps = true;
        times.add(t % 86400);
      }
    }
  }
  const hs = new Set([...times].map((t) => Math.floor(t / 3600)));
  const ms = new Set([...times].map((t) => Math.floor(t / 60) % 60));
  const ss = new Set([...times].map((t) => t % 60));
  if ((wraps && !f.everyDay) || hs.size * ms.size * ss.size !== times.size) {
    throw new DocketError(
      "not_supported",
      `Cannot install task "${task}": its jitter offset (${offset}s) moves "${expr}" to times ` +
        "an OnCalendar= expression cannot list" +
        (wraps ? " (past midnight on restricted days)" : ""),
      {
        hint: "Use a smaller jitter (within the schedule's own minute or hour), or drop jitter " +
          "and set randomized_delay_seconds (systemd's RandomizedDelaySec=, not stable)",
      },
    );
  }
  const sort = (s: Set<number>) => [...s].sort((a, b) => a - b);
  const time = `${list(sort(hs), 24)}:${list(sort(ms), 60)}:${list(sort(ss), 60)}`;
  return lines.map((l) => `${l.slice(0, l.lastIndexOf(" "))} ${time}`);
}
