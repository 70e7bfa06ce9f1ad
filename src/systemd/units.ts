// Pure generation of the docket-<task>.service / .timer pair. Writing files and calling
// systemctl belong to the install command; nothing here touches the system.
import { DocketError } from "../core/errors.ts";
import { cronToOnCalendar } from "./cron.ts";

export type UnitScope = "user" | "system";

/** One line of the [Service] section, with why it is safe for docket's own work. */
export interface Directive {
  directive: string;
  value: string;
  reason: string;
}

export interface UnitOptions {
  taskName: string;
  /** Absolute argv for ExecStart, e.g. ["/usr/local/bin/deno","run","-A","/opt/docket/main.ts"]. */
  docketArgv: string[];
  /** Sets Environment=DOCKET_HOME= when given. */
  docketHome?: string;
  /** Sets Environment=DOCKET_CONFIG= when given. */
  docketConfig?: string;
  /** Sets Environment=DENO_DIR= when given: the cache docket's own npm packages are in. */
  denoDir?: string;
  workingDirectory: string;
  /** 5-field cron expression or @-macro. */
  schedule: string;
  randomizedDelaySeconds?: number;
  /** OnCalendar= lines (time zone, jitter baked in: src/systemd/calendar.ts); default: the cron's. */
  onCalendar?: string[];
  /** Persistent= (from catch_up); default true. */
  persistent?: boolean;
  /** Whether to order the service after network-online.target (system units). */
  network: boolean;
  /** The [Service] hardening lines (see systemdHardening), written in this order. */
  directives: readonly Directive[];
  scope: UnitScope;
  description?: string;
}

export interface RenderedUnits {
  serviceName: string;
  timerName: string;
  service: string;
  timer: string;
}

/** Renders the service and timer unit files for one scheduled task. */
export function renderUnits(o: UnitOptions): RenderedUnits {
  validate(o);
  const calendar = o.onCalendar ?? cronToOnCalendar(o.schedule);
  const system = o.scope === "system";
  const base = `docket-${o.taskName}`;
  const serviceName = `${base}.service`;
  const timerName = `${base}.timer`;
  const title = `docket task ${o.taskName}${o.description ? `: ${o.description}` : ""}`;

  const service = [
    "[Unit]",
    `Description=${text(title)}`,
    ...(system && o.network ? ["Wants=network-online.target", "After=network-online.target"] : []),
    "",
    "[Service]",
    "Type=oneshot",
    `ExecStart=${[...o.docketArgv, "--json", "run", o.taskName].map(execArg).join(" ")}`,
    `WorkingDirectory=${o.workingDirectory.replaceAll("%", "%%")}`,
    ...(o.docketHome === undefined
      ? []
      : [`Environment=${word(`DOCKET_HOME=${o.docketHome.replaceAll("%", "%%")}`)}`]),
    ...(["DOCKET_CONFIG", "DENO_DIR"] as const).flatMap((k) => {
      const v = k === "DENO_DIR" ? o.denoDir : o.docketConfig;
      return v === undefined ? [] : [`Environment=${word(`${k}=${v.replaceAll("%", "%%")}`)}`];
    }),
    ...o.directives.map((d) => `${d.directive}=${d.value}`),
    "",
  ].join("\n");

  const timer = [
    "[Unit]",
    `Description=${text(`Schedule of docket task ${o.taskName} (${o.schedule})`)}`,
    "",
    "[Timer]",
    ...calendar.map((line) => `OnCalendar=${line}`),
    `Persistent=${o.persistent === false ? "false" : "true"}`,
    "AccuracySec=1s",
    ...(o.randomizedDelaySeconds
      ? [`RandomizedDelaySec=${Math.ceil(o.randomizedDelaySeconds)}s`]
      : []),
    "",
    "[Install]",
    "WantedBy=timers.target",
    "",
  ].join("\n");

  return { serviceName, timerName, service, timer };
}

function validate(o: UnitOptions): void {
  const bad = (why: string, hint?: string) =>
    new DocketError(
      "config_invalid",
      `Cannot generate systemd units for task "${o.taskName}": ${why}`,
      hint === undefined ? {} : { hint },
    );
  if (!/^[A-Za-z0-9_.:-]{1,200}$/.test(o.taskName)) {
    throw bad("the name is not usable in a unit name", "Use letters, digits, '-', '_' and '.'");
  }
  const exe = o.docketArgv[0] ?? "";
  if (!exe.startsWith("/")) {
    throw bad(
      `the docket binary "${exe}" is not an absolute path`,
      "systemd does not search your shell PATH; set docket_bin to an absolute path",
    );
  }
  // systemd refuses executables containing quotes, backslashes or control characters.
  if (/["'\\]/.test(exe) || hasControl(exe)) {
    throw bad(`the docket binary "${exe}" contains quotes, backslashes or control characters`);
  }
  if (!o.workingDirectory.startsWith("/")) {
    throw bad(`the working directory "${o.workingDirectory}" is not an absolute path`);
  }
  // WorkingDirectory= and Environment= values cannot span lines.
  const envs = (o.docketHome ?? "") + (o.docketConfig ?? "") + (o.denoDir ?? "");
  if (hasControl(o.workingDirectory + envs)) {
    throw bad(
      "the working directory, DOCKET_HOME, DOCKET_CONFIG or DENO_DIR contains control characters",
    );
  }
  const delay = o.randomizedDelaySeconds;
  if (delay !== undefined && !(Number.isFinite(delay) && delay >= 0)) {
    throw bad(`the randomized delay ${delay} is out of range (at least 0)`);
  }
  // Values are built by systemdHardening with paths quoted; a line break would add a directive.
  for (const d of o.directives) {
    if (!/^[A-Za-z]+$/.test(d.directive) || hasControl(d.value)) {
      throw bad(`the directive ${JSON.stringify(d.directive)} is malformed`);
    }
  }
}

/** The commands a user runs after the unit files are written. */
export function nextStepsFor(scope: UnitScope, timerNames: readonly string[]): string[] {
  const ctl = scope === "user" ? "systemctl --user" : "systemctl";
  return [
    `${ctl} daemon-reload`,
    ...(timerNames.length > 0 ? [`${ctl} enable --now ${timerNames.join(" ")}`] : []),
    // User managers only run while the user is logged in, unless lingering is enabled.
    ...(scope === "user" ? ["loginctl enable-linger $USER"] : []),
  ];
}

/** Free text (Description=): one line, specifiers escaped. */
function text(s: string): string {
  return [...s].map((c) => hasControl(c) ? " " : c).join("").replaceAll("%", "%%");
}

/**
 * One ExecStart= word (systemd.service(5) "Command lines"): `%` is a specifier everywhere; `$`
 * expands variables in arguments but not in the executable path; quotes take C escapes.
 */
function execArg(arg: string, index: number): string {
  let s = arg.replaceAll("%", "%%");
  if (index > 0) s = s.replaceAll("$", () => "$$");
  return word(s);
}

/** A path in a space-separated list of paths (ReadWritePaths= …): specifiers escaped, quoted. */
export function pathWord(path: string): string {
  return word(path.replaceAll("%", "%%"));
}

/** A word as is when it holds no separators, quotes or escapes; otherwise double-quoted. */
function word(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : quote(s);
}

function quote(s: string): string {
  const named: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t" };
  const escaped = [...s].map((c) =>
    named[c] ?? (hasControl(c) ? `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}` : c)
  );
  return `"${escaped.join("")}"`;
}

const hasControl = (s: string) => [...s].some((c) => c < " " || c === "\x7f");
