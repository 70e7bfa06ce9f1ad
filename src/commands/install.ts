/** `docket install [<task>]`: systemd service + timer units for the scheduled tasks. */
import { timerCalendar } from "../systemd/calendar.ts";
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import type { DocketConfig } from "../config/types.ts";
import { writeFileAtomic } from "../core/atomic.ts";
import { DocketError } from "../core/errors.ts";
import { join, resolve } from "../core/path.ts";
import { expandUser } from "../core/paths.ts";
import { which } from "../core/which.ts";
import { findTask, listTasks, type TaskInfo } from "../registry/registry.ts";
import { cronToOnCalendar } from "../systemd/cron.ts";
import { denoDirOf, isEphemeralDeno, unitDir, unitOptionsFor } from "../systemd/install_plan.ts";
import { createDocketDirs, installWarnings } from "../systemd/install_checks.ts";
import { nextStepsFor, renderUnits, type UnitScope } from "../systemd/units.ts";
import { paint, table } from "../render/ui.ts";
import { lazy } from "../core/lazy.ts";
import { type KubernetesInstallData, renderKubernetes } from "../kubernetes/render.ts";

export interface InstalledUnit {
  task: string;
  service_path: string;
  timer_path: string;
  on_calendar: string[];
  written: boolean;
}

export interface InstallData {
  ok: true;
  scope: UnitScope;
  dir: string;
  units: InstalledUnit[];
  /** True when --enable ran daemon-reload and enable --now. */
  enabled: boolean;
  next_steps: string[];
  /** Things to fix about the units as written (e.g. Deno started from npx's cache). */
  warnings: string[];
  /** Human output only (absent under --json): the unit texts, shown by --list. */
  contents?: Record<string, string>;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const o = input.opts;
  const usage = (m: string, hint: string) => new DocketError("usage", m, { hint });
  const target = o.target ?? "systemd";
  if (target === "kubernetes") {
    // Loaded only for this target: the YAML writer and the schema validator are heavy.
    const k8s = await lazy<typeof import("../kubernetes/install.ts")>(
      "../kubernetes/install.ts",
      import.meta.url,
    );
    const data = await k8s.installKubernetes(input, (cfg) => scheduledTasks(cfg, input.args[0]));
    return { exitCode: 0, data };
  }
  if (target !== "systemd") {
    throw usage(`Cannot install for target "${target}"`, "Use --target systemd or kubernetes");
  }
  for (const k of ["image", "namespace", "out", "cilium", "secret"]) {
    if (o[k] !== undefined) {
      throw usage(`Cannot use --${k} without --target kubernetes`, "Add --target kubernetes");
    }
  }
  if (o.user && o.system) {
    throw usage("Cannot install with both --user and --system", "Pick one scope");
  }
  if (o.list && o.enable) {
    throw usage("Cannot --enable a --list preview", "Drop --list to write and enable the units");
  }
  if (o.enable && typeof o.dir === "string") {
    throw usage(
      "Cannot --enable units written to --dir: systemd does not load units from there",
      "Install into the default folder of --user or --system, or enable them by hand",
    );
  }
  const scope: UnitScope = o.system ? "system" : "user";
  const dir = typeof o.dir === "string" ? resolve(expandUser(o.dir)) : unitDir(scope, Deno.env);
  const cfg = await input.config();
  const tasks = await scheduledTasks(cfg, input.args[0]);
  // Render everything first: one bad task must not leave half of the units written.
  const planned = tasks.map((t) => {
    const opts = unitOptionsFor(t, { cfg, scope, env: Deno.env });
    return {
      t,
      r: renderUnits(opts),
      calendar: opts.onCalendar ?? cronToOnCalendar(opts.schedule),
      argv: opts.docketArgv,
    };
  });
  const write = o.list !== true;
  if (write && planned.length) {
    // WorkingDirectory= and ReadWritePaths= must exist before the first run, or systemd
    // fails the service.
    createDocketDirs(cfg);
    writeUnits(dir, planned.map((p) => p.r));
    // From now on the ledger expects these slots: a timer that never fires shows `missed`.
    const { recordInstalled } = await import("../schedule/installed.ts");
    recordInstalled(cfg, planned.map((p) => p.t.name));
  }
  const timers = planned.map((p) => p.r.timerName);
  const data: InstallData = {
    ok: true,
    scope,
    dir,
    units: planned.map((p) => ({
      task: p.t.name,
      service_path: join(dir, p.r.serviceName),
      timer_path: join(dir, p.r.timerName),
      on_calendar: p.calendar,
      written: write,
    })),
    enabled: false,
    next_steps: planned.length ? nextStepsFor(scope, timers) : [],
    warnings: planned.flatMap((p) => [
      ...installWarnings(p.t, cfg, { scope, denoDir: denoDirOf(Deno.env) }),
      ...timerCalendar(p.t.name, p.t.config).notes.map((n) => `${p.t.name}: ${n}`),
    ]),
  };
  const bins = new Set(planned.map((p) => p.argv[0]).filter((b): b is string => !!b));
  for (const b of bins) {
    if (isEphemeralDeno(b)) {
      data.warnings.push(
        `the units start Deno from npx's cache (${b}), which npm may clean: ` +
          "install Deno for good (npm install -g deno@2.9.6, or deno task install) and run " +
          "docket install again, or set docket_bin",
      );
    }
  }
  if (o.enable && planned.length) {
    await enableUnits(scope, timers, data);
    data.enabled = true;
    data.next_steps = data.next_steps.filter((s) => !s.startsWith("systemctl"));
  }
  if (!input.ui.json && !write) {
    data.contents = Object.fromEntries(
      planned.flatMap((p) => [[p.r.serviceName, p.r.service], [p.r.timerName, p.r.timer]]),
    );
  }
  return { exitCode: 0, data };
}

async function scheduledTasks(cfg: DocketConfig, name: string | undefined): Promise<TaskInfo[]> {
  const hasSchedule = (t: TaskInfo) => typeof t.config.schedule === "string";
  if (name === undefined) {
    return [...(await listTasks(cfg)).values()].filter(hasSchedule)
      .sort((a, b) => a.name.localeCompare(b.name));
  }
  const t = await findTask(cfg, name);
  if (!hasSchedule(t)) {
    throw new DocketError("usage", `Cannot install task "${name}": it has no schedule`, {
      hint: `Add a cron schedule under tasks.${name} in ${cfg.path}, e.g. schedule: "0 3 * * *"`,
      details: { task: name },
    });
  }
  return [t];
}

function writeUnits(dir: string, units: ReturnType<typeof renderUnits>[]): void {
  try {
    Deno.mkdirSync(dir, { recursive: true });
    for (const u of units) {
      // Service first: a timer must never point at a unit that is not there yet.
      writeFileAtomic(join(dir, u.serviceName), u.service, 0o644);
      writeFileAtomic(join(dir, u.timerName), u.timer, 0o644);
    }
  } catch (err) {
    const denied = err instanceof Deno.errors.PermissionDenied;
    throw new DocketError(
      denied ? "permission_denied" : "io_error",
      `Cannot write units to "${dir}": ${(err as Error).message}`,
      {
        hint: denied
          ? "System units need root (sudo docket install --system); or use --user or --dir"
          : "Check the folder, or choose another with --dir",
        details: { dir },
      },
    );
  }
}

function systemdRunning(): boolean {
  try {
    return Deno.statSync("/run/systemd/system").isDirectory;
  } catch {
    return false;
  }
}

/** `systemctl [--user] daemon-reload` then `enable --now` the timers; the units are written. */
async function enableUnits(scope: UnitScope, timers: string[], data: InstallData): Promise<void> {
  const systemctl = which("systemctl");
  const written = { dir: data.dir, units: data.units, next_steps: data.next_steps };
  if (!systemctl || !systemdRunning()) {
    throw new DocketError(
      "not_supported",
      `Cannot enable the timers: systemd is not running here (units written to "${data.dir}")`,
      { hint: `On a host with systemd run: ${data.next_steps.join("; ")}`, details: written },
    );
  }
  const user = scope === "user" ? ["--user"] : [];
  for (const args of [[...user, "daemon-reload"], [...user, "enable", "--now", ...timers]]) {
    const out = await new Deno.Command(systemctl, { args, stdin: "null" }).output();
    if (out.code !== 0) {
      const why = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ?? "";
      throw new DocketError(
        "io_error",
        `Cannot enable the timers: systemctl ${args.join(" ")} exited ${out.code}: ${why}`,
        { hint: "The units are written; fix the cause and run the next steps", details: written },
      );
    }
  }
}

export function render(data: unknown, ui: Ui): string {
  if ((data as KubernetesInstallData).target === "kubernetes") {
    return renderKubernetes(data as KubernetesInstallData, ui);
  }
  const d = data as InstallData;
  if (!d.units.length) return "No task has a schedule: nothing to install";
  const lines: string[] = [];
  if (d.contents) {
    for (const [name, text] of Object.entries(d.contents)) {
      lines.push(paint(ui, "bold", `# ${join(d.dir, name)}`), text);
    }
    lines.push(`Nothing written (--list). ${d.scope} units for ${d.dir}:`);
  } else lines.push(`Wrote ${d.scope} units to ${d.dir}:`);
  lines.push(table(
    ["TASK", "ON CALENDAR", "UNITS"],
    d.units.map((u) => [
      u.task,
      u.on_calendar.join(" | "),
      `${u.service_path.split("/").pop()}, ${u.timer_path.split("/").pop()}`,
    ]),
  ));
  if (d.enabled) lines.push("", "Enabled and started the timers.");
  for (const w of d.warnings ?? []) lines.push("", `warning: ${w}`);
  if (d.next_steps.length) {
    lines.push(
      "",
      d.enabled ? "Still to do:" : "Next steps:",
      ...d.next_steps.map((s) => `  ${s}`),
    );
  }
  return lines.join("\n");
}
