// A task's schedule as a CronJob sees it: macros expanded, the jitter baked in as a minute
// offset hashed from the task's name, the catch-up window (startingDeadlineSeconds) and the
// overlap policy. Pure apart from croner, which computes fire times.
import { Cron } from "croner";

const MACROS: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

/** One cron field as the CronJob controller (robfig/cron) reads it, without extensions. */
const VALUE = "(\\d+|JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT)";
const ITEM = `(\\*|${VALUE}(-${VALUE})?)(\\/\\d+)?`;
const FIELD = new RegExp(`^${ITEM}(,${ITEM})*$`, "i");

/** Why `expr` is not a 5-field cron schedule a CronJob accepts, or undefined. */
export function cronProblem(expr: string): string | undefined {
  if (/TZ=/i.test(expr)) return "a time zone inside the schedule is refused: use spec.timeZone";
  const parts = expr.trim().split(/\s+/);
  if (parts.length !== 5) return `expected 5 fields, got ${parts.length}`;
  const bad = parts.find((p) => !FIELD.test(p));
  if (bad !== undefined) return `the field "${bad}" is not cron syntax`;
  try {
    new Cron(expr, { paused: true }).nextRun();
  } catch (err) {
    return (err as Error).message;
  }
  return undefined;
}

/** A stable number from the task's name (FNV-1a), so each task gets its own offset. */
export function nameHash(s: string): number {
  let h = 0x811c9dc5;
  for (const c of new TextEncoder().encode(s)) h = Math.imul(h ^ c, 0x01000193) >>> 0;
  return h;
}

export interface CronJobSchedule {
  schedule: string;
  /** Set when the jitter could not be baked into the schedule, with why. */
  jitterNote?: string;
  offsetMinutes: number;
}

/**
 * Expands a macro and shifts the minute field by a hashed offset below the jitter (whole
 * minutes, within the hour: cron cannot say "N seconds later"). Only plain minute lists and
 * `*∕n` steps are shifted; anything else is left as is and said so.
 */
export function bakeJitter(task: string, expr: string, jitterSeconds: number): CronJobSchedule {
  const fields = (MACROS[expr.trim().toLowerCase()] ?? expr.trim()).split(/\s+/);
  if (fields.length === 5) fields[4] = sundayAsZero(fields[4]!);
  const span = Math.min(60, Math.floor(jitterSeconds / 60));
  if (jitterSeconds <= 0) return { schedule: fields.join(" "), offsetMinutes: 0 };
  if (span < 1) {
    return {
      schedule: fields.join(" "),
      offsetMinutes: 0,
      jitterNote: `a jitter of ${jitterSeconds}s is under a minute: a cron schedule cannot hold it`,
    };
  }
  const minutes = minuteValues(fields[0]!);
  if (!minutes) {
    return {
      schedule: fields.join(" "),
      offsetMinutes: 0,
      jitterNote: `the minute field "${fields[0]}" cannot be shifted: jitter not applied`,
    };
  }
  const offset = nameHash(task) % span;
  const shifted = [...new Set(minutes.map((m) => (m + offset) % 60))].sort((a, b) => a - b);
  fields[0] = shifted.join(",");
  return { schedule: fields.join(" "), offsetMinutes: offset };
}

/**
 * cron takes 7 for Sunday; the CronJob controller's parser (robfig/cron) allows 0-6 only and
 * the API server would refuse the object: `7` becomes `0`, `a-7` becomes `a-6,0`.
 */
export function sundayAsZero(field: string): string {
  const items = field.split(",").flatMap((item) => {
    if (item === "7") return ["0"];
    const range = /^(\w+)-7(\/\d+)?$/.exec(item);
    if (range && !range[2]) return range[1] === "7" ? ["0"] : [`${range[1]}-6`, "0"];
    return [item];
  });
  return [...new Set(items)].join(",");
}

function minuteValues(field: string): number[] | undefined {
  if (/^\d+(,\d+)*$/.test(field)) return field.split(",").map(Number);
  const step = /^\*\/(\d+)$/.exec(field);
  if (step && Number(step[1]) > 0) {
    const out: number[] = [];
    for (let m = 0; m < 60; m += Number(step[1])) out.push(m);
    return out;
  }
  return undefined;
}

/**
 * startingDeadlineSeconds: how late a missed slot may still start. Without it the controller
 * gives up on a CronJob after 100 missed slots. Default: the shortest gap between the next
 * fire times (one catch-up at most, like systemd's Persistent=true), within [60, 86400].
 */
export function startingDeadline(expr: string, timeZone: string | undefined): number {
  const cron = new Cron(expr, { paused: true, ...(timeZone ? { timezone: timeZone } : {}) });
  const runs = cron.nextRuns(10, new Date("2030-01-01T00:00:00Z"));
  let gap = Infinity;
  for (let i = 1; i < runs.length; i++) {
    gap = Math.min(gap, (runs[i]!.getTime() - runs[i - 1]!.getTime()) / 1000);
  }
  return Math.max(60, Math.min(86400, Number.isFinite(gap) ? Math.floor(gap) : 86400));
}

export type ConcurrencyPolicy = "Forbid" | "Replace" | "Allow";

/** docket's `overlap` (planned key) as a concurrencyPolicy; docket's default is skip. */
export function concurrencyFor(overlap: unknown): { policy: ConcurrencyPolicy; note?: string } {
  switch (overlap) {
    case undefined:
    case "skip":
      return { policy: "Forbid" };
    case "replace":
      return { policy: "Replace" };
    case "allow":
      return { policy: "Allow" };
    case "queue":
      return {
        policy: "Forbid",
        note: "overlap: queue has no CronJob equivalent: a run due while one is running is " +
          "skipped (Forbid), not queued",
      };
    default:
      throw new Error(`overlap "${String(overlap)}" is not one of skip, replace, allow, queue`);
  }
}
