// Cron (5 fields, Vixie/cronie semantics) → systemd OnCalendar= expressions that systemd 252
// accepts. Pure and dependency-free apart from DocketError: config validation calls it.
import { DocketError, suggest } from "../core/errors.ts";

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  /** Upper bound of `*` and `a/n`; day-of-week accepts 7 but `*` means 0-6. */
  starMax: number;
  names?: readonly string[];
  /** Value of names[0]. */
  namesFrom?: number;
}

const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;
const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
] as const;
const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59, starMax: 59 },
  { name: "hour", min: 0, max: 23, starMax: 23 },
  { name: "day-of-month", min: 1, max: 31, starMax: 31 },
  { name: "month", min: 1, max: 12, starMax: 12, names: MONTH_NAMES, namesFrom: 1 },
  { name: "day-of-week", min: 0, max: 7, starMax: 6, names: DAY_NAMES, namesFrom: 0 },
];
const SECONDS: FieldSpec = { name: "second", min: 0, max: 59, starMax: 59 };
/** systemd weekday names in its own order (Monday first), indexed by cron number 0-6. */
const SYSTEMD_DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONDAY_FIRST = [1, 2, 3, 4, 5, 6, 0] as const;
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

const MACROS: Record<string, string[]> = {
  "@hourly": ["hourly"],
  "@daily": ["daily"],
  "@midnight": ["daily"],
  // cron's @weekly is Sunday; systemd's `weekly` would be Monday.
  "@weekly": ["Sun *-*-* 00:00:00"],
  "@monthly": ["monthly"],
  "@yearly": ["yearly"],
  "@annually": ["yearly"],
};

class Invalid extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

interface Field {
  /** systemd rendering of the field (no weekday names). */
  text: string;
  values: Set<number>;
  /** Vixie rule: a day field starting with `*` does not count as restricted for the OR rule. */
  star: boolean;
}

/**
 * Converts a 5-field cron expression or an @-macro into systemd OnCalendar= expressions. Several
 * results form a union (cron ORs day-of-month and day-of-week when both are restricted).
 */
export function cronToOnCalendar(expr: string): string[] {
  try {
    return convert(expr.trim());
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    return fail(expr, err.message, err.hint);
  }
}

/** Throws the same DocketError as cronToOnCalendar when `expr` cannot become a systemd timer. */
export function validateSchedule(expr: string): void {
  cronToOnCalendar(expr);
}

/**
 * The seconds, minutes and hours a 5- or 6-field expression fires at, and whether its day
 * fields (day-of-month, month, day-of-week) are all unrestricted. For baking a jitter offset.
 */
export function timeFields(
  expr: string,
): { sec: number[]; min: number[]; hour: number[]; everyDay: boolean } {
  const all = expr.trim().split(/\s+/);
  const parts = all.length === 6 ? all.slice(1) : all;
  const vals = (text: string, spec: FieldSpec) =>
    [...parseField(text, spec).values].sort((a, b) => a - b);
  return {
    sec: all.length === 6 ? vals(all[0]!, SECONDS) : [0],
    min: vals(parts[0]!, FIELDS[0]!),
    hour: vals(parts[1]!, FIELDS[1]!),
    everyDay: parts.slice(2).every((p) => p === "*"),
  };
}

function fail(expr: string, why: string, hint: string | undefined): never {
  throw new DocketError("config_invalid", `Cannot convert schedule "${expr}": ${why}`, {
    hint: hint ?? 'Use a 5-field cron expression such as "30 2 * * *" or a macro like @daily',
    details: { schedule: expr },
  });
}

function convert(expr: string): string[] {
  if (expr.startsWith("@")) {
    const macro = MACROS[expr.toLowerCase()];
    if (macro) return [...macro];
    if (expr.toLowerCase() === "@reboot") {
      throw new Invalid(
        `"@reboot" has no calendar form`,
        "Boot-time jobs need OnBootSec= (system) or OnStartupSec= (user), which docket does not generate; use a calendar schedule",
      );
    }
    const near = suggest(expr.toLowerCase(), Object.keys(MACROS));
    throw new Invalid(
      `unknown macro "${expr}"`,
      near ? `Did you mean "${near}"?` : `Known macros: ${Object.keys(MACROS).join(" ")}`,
    );
  }
  const all = expr === "" ? [] : expr.split(/\s+/);
  if (all.length !== 5 && all.length !== 6) {
    throw new Invalid(
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 with leading ` +
        `seconds, got ${all.length}`,
      all.length === 7 ? "Years are not supported: remove the extra field" : undefined,
    );
  }
  // An optional leading seconds field (croner's 6-field form); systemd renders it as is.
  const sec = all.length === 6 ? parseField(all[0]!, SECONDS).text : "00";
  const parts = all.length === 6 ? all.slice(1) : all;
  const field = (i: number) => parseField(parts[i]!, FIELDS[i]!);
  const [minute, hour, dom, month, dow] = [field(0), field(1), field(2), field(3), field(4)];
  for (const d of dow.values) if (d === 7) dow.values.add(0);
  dow.values.delete(7);

  const at = (days: string, dayOfMonth: string) =>
    `${days}*-${month.text}-${dayOfMonth} ${hour.text}:${minute.text}:${sec}`;
  const fitsMonth = [...month.values].some((m) =>
    [...dom.values].some((d) => d <= MONTH_DAYS[m - 1]!)
  );
  const allDays = dow.values.size === 7;
  const days = allDays ? "" : `${weekdays(dow.values)} `;

  if (!dom.star && !dow.star) {
    // cron ORs the two day fields; systemd ANDs them, so emit one line per field.
    if (allDays || dom.values.size === 31) return [at("", "*")];
    return fitsMonth ? [at(days, "*"), at("", dom.text)] : [at(days, "*")];
  }
  if (!fitsMonth) {
    throw new Invalid(
      `day-of-month "${parts[2]}" never occurs in month "${parts[3]}"`,
      "Pick a day that exists in the chosen months",
    );
  }
  return [at(days, dom.text)];
}

function parseField(text: string, spec: FieldSpec): Field {
  const values = new Set<number>();
  const out: string[] = [];
  let all = false;
  for (const item of text.split(",")) {
    if (item === "") throw new Invalid(`${spec.name} list "${text}" has an empty item`);
    const slash = item.indexOf("/");
    const base = slash < 0 ? item : item.slice(0, slash);
    const step = slash < 0 ? 1 : parseStep(item.slice(slash + 1), spec);
    let lo: number, hi: number;
    let open = base === "*";
    if (base === "*") {
      [lo, hi] = [spec.min, spec.starMax];
    } else if (base.includes("-")) {
      const [a = "", b = "", ...rest] = base.split("-");
      if (rest.length > 0) throw new Invalid(`${spec.name} range "${base}" is malformed`);
      [lo, hi] = [parseValue(a, spec), parseValue(b, spec)];
      if (lo > hi) {
        throw new Invalid(
          `${spec.name} range ${base} is reversed`,
          `Cron ranges do not wrap: write ${a}-${spec.max},${spec.min}-${b} instead`,
        );
      }
    } else {
      lo = parseValue(base, spec);
      hi = lo;
      if (slash >= 0) {
        if (spec.name === "day-of-week") {
          throw new Invalid(
            `day-of-week step "${item}" needs a range before the step`,
            `cron implementations disagree on whether ${item} stops at Saturday or Sunday; write a range such as ${lo}-7/${step} or list the days`,
          );
        }
        hi = spec.starMax;
        open = true;
      }
    }
    const generated: number[] = [];
    for (let v = lo; v <= hi; v += step) generated.push(v);
    for (const v of generated) values.add(v);
    if (base === "*" && step === 1) all = true;
    out.push(renderItem(generated, { lo, hi, step, open }));
  }
  return { text: all ? "*" : out.join(","), values, star: text.startsWith("*") };
}

function parseStep(text: string, spec: FieldSpec): number {
  if (!/^\d+$/.test(text)) throw new Invalid(`${spec.name} step "${text}" is not a number`);
  const n = Number(text);
  if (n < 1 || n > spec.max) {
    throw new Invalid(`${spec.name} step ${n} is out of range 1-${spec.max}`);
  }
  return n;
}

function parseValue(text: string, spec: FieldSpec): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < spec.min || n > spec.max) {
      throw new Invalid(`${spec.name} ${n} is out of range ${spec.min}-${spec.max}`);
    }
    return n;
  }
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + (spec.namesFrom ?? 0);
  const kind = spec.names === DAY_NAMES
    ? " or a day name (SUN-SAT)"
    : spec.names === MONTH_NAMES
    ? " or a month name (JAN-DEC)"
    : "";
  throw new Invalid(
    `${spec.name} value "${text}" is not a number${kind}`,
    /[LW#?]/i.test(text) ? "Cron extensions such as L, W, # and ? are not supported" : undefined,
  );
}

const pad = (n: number) => String(n).padStart(2, "0");

/** One cron list item in systemd syntax. systemd rejects `a/n` when it yields a single value. */
function renderItem(
  values: number[],
  o: { lo: number; hi: number; step: number; open: boolean },
): string {
  if (values.length === 1) return pad(values[0]!);
  if (o.step === 1) return `${pad(o.lo)}..${pad(o.hi)}`;
  return o.open ? `${pad(o.lo)}/${o.step}` : `${pad(o.lo)}..${pad(o.hi)}/${o.step}`;
}

/** Sorted systemd weekday list, Monday first, with runs of three or more as ranges. */
function weekdays(days: Set<number>): string {
  const order = MONDAY_FIRST.filter((d) => days.has(d));
  const out: string[] = [];
  const pos = (i: number) => MONDAY_FIRST.indexOf(order[i]!);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && pos(j + 1) === pos(j) + 1) j++;
    const names = order.slice(i, j + 1).map((d) => SYSTEMD_DAYS[d]!);
    out.push(...(names.length >= 3 ? [`${names[0]}..${names[names.length - 1]}`] : names));
    i = j + 1;
  }
  return out.join(",");
}
