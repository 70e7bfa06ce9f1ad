// Pure generation of the docket-<task>.service / .timer pair. Writing files and calling
// systemctl belong to the install command; nothing here touches the system.
import { DocketError } from "../core/errors.ts";
import { cronToOnCalendar } from "./cron.ts";

export type UnitScope = "user" | "system";

export interface UnitOptions {
  taskName: string;
  /** Absolute argv for ExecStart, e.g. ["/usr/local/bin/deno","run","-A","/opt/docket/main.ts"]. */
  docketArgv: string[];
  /** Sets Environment=DOCKET_HOME= when given. */
  docketHome?: string;
  /** Sets Environment=DOCKET_CONFIG= when given. */
  docketConfig?: string;
  workingDirectory: string;
  /** 5-field cron expression or @-macro. */
  schedule: string;
  timeoutSeconds?: number;
  randomizedDelaySeconds?: number;
  network: boolean;
  maxMemoryMb?: number;
  scope: UnitScope;
  description?: string;
}

export interface RenderedUnits {
  serviceName: string;
  timerName: string;
  service: string;
  timer: string;
}

/** Time systemd grants beyond the task timeout, so docket can stop the task and record the run. */
export const TIMEOUT_MARGIN_SECONDS = 60;

/** Renders the service and timer unit files for one scheduled task. */
export function renderUnits(o: UnitOptions): RenderedUnits {
  validate(o);
  const calendar = cronToOnCalendar(o.schedule);
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
    ...(o.docketConfig === undefined
      ? []
      : [`Environment=${word(`DOCKET_CONFIG=${o.docketConfig.replaceAll("%", "%%")}`)}`]),
    `TimeoutStartSec=${
      o.timeoutSeconds === undefined
        ? "infinity"
        : Math.ceil(o.timeoutSeconds) + TIMEOUT_MARGIN_SECONDS
    }`,
    "NoNewPrivileges=yes",
    // User managers cannot set up these namespaces (systemd.exec(5)): system scope only.
    ...(system ? ["PrivateTmp=yes"] : []),
    ...(system && !o.network ? ["PrivateNetwork=yes"] : []),
    ...(o.maxMemoryMb === undefined ? [] : [`MemoryMax=${Math.ceil(o.maxMemoryMb)}M`]),
    "",
  ].join("\n");

  const timer = [
    "[Unit]",
    `Description=${text(`Schedule of docket task ${o.taskName} (${o.schedule})`)}`,
    "",
    "[Timer]",
    ...calendar.map((line) => `OnCalendar=${line}`),
    "Persistent=true",
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
  if (hasControl(o.workingDirectory + (o.docketHome ?? "") + (o.docketConfig ?? ""))) {
    throw bad("the working directory, DOCKET_HOME or DOCKET_CONFIG contains control characters");
  }
  const numbers = [
    ["timeout", o.timeoutSeconds, 0],
    ["randomized delay", o.randomizedDelaySeconds, 0],
    ["memory limit", o.maxMemoryMb, 1],
  ] as const;
  for (const [what, value, min] of numbers) {
    if (value !== undefined && !(Number.isFinite(value) && value >= min)) {
      throw bad(`the ${what} ${value} is out of range (at least ${min})`);
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
