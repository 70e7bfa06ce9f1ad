/**
 * A task's schedule policy and its fire times: the one next-fire function every engine and
 * every view uses (the scheduler, the ledger, `status`, the systemd mapping's agreement test).
 * Pure apart from croner (fire times) and reading the host id once.
 *
 * @module
 */
import { Cron } from "croner";
import { nameHash } from "../kubernetes/schedule.ts";

export type Overlap = "skip" | "queue" | "replace" | "allow";
export type CatchUp = "none" | "latest" | "all";

export interface SchedulePolicy {
  schedule: string;
  /** IANA zone; undefined = the host's. */
  timezone?: string;
  /** The stable offset within `jitter` seconds (already hashed from task name and host id). */
  offsetSeconds: number;
  jitter: number;
  overlap: Overlap;
  catchUp: CatchUp;
  /** How far back a restarted scheduler catches up (seconds). */
  catchUpWindow: number;
  /** A slot not started this many seconds after its fire time is `missed`. */
  deadlineSeconds?: number;
}

/** The `@` names croner does not share with cron's meaning, spelled as 5-field cron. */
export const MACROS: Record<string, string> = {
  "@hourly": "0 * * * *",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@weekly": "0 0 * * 0",
  "@monthly": "0 0 1 * *",
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
};

let hostIdCache: string | undefined;
/** /etc/machine-id (what systemd's FixedRandomDelay hashes too), else the host name. */
export function hostId(): string {
  if (hostIdCache !== undefined) return hostIdCache;
  let id = "";
  try {
    id = Deno.readTextFileSync("/etc/machine-id").trim();
  } catch {
    // no machine id (macOS, some containers)
  }
  if (!/^[0-9a-f]{32}$/.test(id)) {
    try {
      id = Deno.hostname();
    } catch {
      id = "localhost";
    }
  }
  return hostIdCache = id;
}

/** The stable offset in [0, jitter) whole seconds for `task` on `host`. */
export function jitterOffset(task: string, jitter: number, host = hostId()): number {
  if (!(jitter > 0)) return 0;
  return nameHash(`${task}\0${host}`) % Math.floor(jitter);
}

/** The policy of a task's config section, or undefined when it has no schedule. */
export function policyOf(task: string, c: Record<string, unknown>): SchedulePolicy | undefined {
  if (typeof c.schedule !== "string") return undefined;
  const jitter = typeof c.jitter === "number" ? c.jitter : 0;
  return {
    schedule: c.schedule.trim(),
    ...(typeof c.timezone === "string" ? { timezone: c.timezone } : {}),
    jitter,
    offsetSeconds: jitterOffset(task, jitter),
    overlap: (c.overlap as Overlap | undefined) ?? "skip",
    catchUp: (c.catch_up as CatchUp | undefined) ?? "none",
    catchUpWindow: typeof c.catch_up_window === "number" ? c.catch_up_window : 86400,
    ...(typeof c.deadline_seconds === "number" ? { deadlineSeconds: c.deadline_seconds } : {}),
  };
}

const crons = new Map<string, Cron>();
function cronOf(p: SchedulePolicy): Cron {
  const key = `${p.schedule}\0${p.timezone ?? ""}`;
  let c = crons.get(key);
  if (!c) {
    const expr = MACROS[p.schedule.toLowerCase()] ?? p.schedule;
    // legacyMode: cron's OR of day-of-month and day-of-week (what cron.ts maps for systemd).
    c = new Cron(expr, {
      paused: true,
      legacyMode: true,
      ...(p.timezone ? { timezone: p.timezone } : {}),
    });
    crons.set(key, c);
  }
  return c;
}

/**
 * The first fire time (jitter included) strictly after `after`, or undefined if none. A wall
 * clock time the zone skips (DST spring forward) does not fire, as systemd's OnCalendar.
 */
export function nextFire(p: SchedulePolicy, after: Date): Date | undefined {
  const shift = p.offsetSeconds * 1000;
  let t = new Date(after.getTime() - shift);
  for (let i = 0; i < 1000; i++) {
    const base = cronOf(p).nextRun(t);
    if (!base) return undefined;
    if (!p.timezone) return new Date(base.getTime() + shift);
    // A wall clock time the fall-back repeats fires once, at its first occurrence (systemd).
    const first = new Date(base.getTime() - 3600_000);
    const repeated = sameWall(p.timezone, first, base);
    if (repeated && first > t) return new Date(first.getTime() + shift);
    if (!repeated && onWallClock(p, base)) return new Date(base.getTime() + shift);
    t = base;
  }
  return undefined;
}

/** Whether `d`'s wall clock in the policy's zone is itself a fire time (not a DST-moved one). */
function onWallClock(p: SchedulePolicy, d: Date): boolean {
  const parts = wallFormat(p.timezone!).formatToParts(d);
  const n = (k: string) => Number(parts.find((x) => x.type === k)?.value);
  const wall = Date.UTC(
    n("year"),
    n("month") - 1,
    n("day"),
    n("hour") % 24,
    n("minute"),
    n("second"),
  );
  const utc = cronOf({ ...p, timezone: "UTC" });
  return utc.nextRun(new Date(wall - 1))?.getTime() === wall;
}

function sameWall(tz: string, a: Date, b: Date): boolean {
  return wallFormat(tz).format(a) === wallFormat(tz).format(b);
}

const formats = new Map<string, Intl.DateTimeFormat>();
function wallFormat(tz: string): Intl.DateTimeFormat {
  let f = formats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formats.set(tz, f);
  }
  return f;
}

/** Fire times in (from, to], oldest first, at most `max`. */
export function firesBetween(p: SchedulePolicy, from: Date, to: Date, max: number): Date[] {
  const out: Date[] = [];
  let t = from;
  while (out.length < max) {
    const n = nextFire(p, t);
    if (!n || n.getTime() > to.getTime()) break;
    out.push(n);
    t = n;
  }
  return out;
}

/**
 * The newest `max` fire times in (floor, to], oldest first: searched backwards in growing
 * windows so a 1-second schedule over a year costs `max` slots, not 30 million.
 */
export function lastFires(p: SchedulePolicy, floor: Date, to: Date, max: number): Date[] {
  if (max <= 0 || to <= floor) return [];
  const probe = firesBetween(p, to, new Date(8.64e15), 3);
  let gap = probe.length >= 2 ? probe[1]!.getTime() - probe[0]!.getTime() : 3600_000;
  for (let i = 0; i < 40; i++) {
    const start = Math.max(floor.getTime(), to.getTime() - gap * (max + 1));
    const got = firesBetween(p, new Date(start), to, 100_000);
    if (got.length >= max || start === floor.getTime()) return got.slice(-max);
    gap *= 4;
  }
  return firesBetween(p, floor, to, 100_000).slice(-max);
}

/** The fire time at or before `at` (the slot a timer-started run belongs to). */
export function previousFire(p: SchedulePolicy, at: Date, lookback: number): Date | undefined {
  return lastFires(p, new Date(at.getTime() - lookback * 1000), new Date(at.getTime() + 1), 1)[0];
}

/** When a slot is given up: deadline_seconds, else the next slot's fire time. */
export function deadlineOf(p: SchedulePolicy, slot: Date): number {
  if (p.deadlineSeconds !== undefined) return slot.getTime() + p.deadlineSeconds * 1000;
  const n = nextFire(p, slot);
  return n ? n.getTime() : slot.getTime() + 86400_000;
}
