// What `docket install` writes, decided without touching the system: the unit folder, the
// docket command systemd runs, and each scheduled task's UnitOptions.
import { timerCalendar } from "./calendar.ts";
import type { DocketConfig } from "../config/types.ts";
import { DocketError } from "../core/errors.ts";
import { dirname, fromFileUrl, join } from "../core/path.ts";
import { expandUser, resolvePath } from "../core/paths.ts";
import { which } from "../core/which.ts";
import type { TaskInfo } from "../registry/registry.ts";
import type { UnitOptions, UnitScope } from "./units.ts";
import { systemdHardening } from "./hardening.ts";
import { networkNeeds } from "./hardening_net.ts";

export { runBudgetSeconds } from "./budget.ts";

/** Where systemd loads units from: `$XDG_CONFIG_HOME/systemd/user` or `/etc/systemd/system`. */
export function unitDir(scope: UnitScope, env: { get(k: string): string | undefined }): string {
  if (scope === "system") return "/etc/systemd/system";
  const xdg = env.get("XDG_CONFIG_HOME");
  // The XDG spec says a relative value is invalid and must be ignored.
  const base = xdg?.startsWith("/") ? xdg : join(env.get("HOME") ?? "/", ".config");
  return join(base, "systemd", "user");
}

/** Whether a Deno binary lives in npx's package cache, which npm may clean at any time. */
export function isEphemeralDeno(path: string): boolean {
  return path.includes("/_npx/");
}

/**
 * The Deno binary for unit files: this one, unless it was started through `npx` — then a
 * `deno` on PATH outside npx's cache if there is one (the unit must outlive the cache).
 */
function stableDeno(): string {
  const self = Deno.execPath();
  if (!isEphemeralDeno(self)) return self;
  const onPath = which("deno");
  return onPath && !isEphemeralDeno(onPath) ? onPath : self;
}

/** This docket, as systemd must start it: deno + `run -A` + the absolute main.ts. */
export function currentInvocation(): string[] {
  const root = dirname(dirname(dirname(fromFileUrl(import.meta.url))));
  const config = join(root, "deno.json");
  let hasConfig = false;
  try {
    hasConfig = Deno.statSync(config).isFile;
  } catch {
    hasConfig = false;
  }
  return [
    stableDeno(),
    "run",
    "-A",
    ...(hasConfig ? ["--config", config] : []),
    join(root, "main.ts"),
  ];
}

/**
 * The ExecStart argv: the task's `docket_bin` made absolute (a bare name is looked up on
 * PATH now, because systemd will not search the shell's PATH), else the current invocation.
 */
export function docketArgv(task: string, docketBin: unknown, cfg: DocketConfig): string[] {
  if (typeof docketBin !== "string" || docketBin === "") return currentInvocation();
  const bare = !docketBin.includes("/") && !docketBin.startsWith("~");
  const path = bare ? which(docketBin) : resolvePath(expandUser(docketBin), dirname(cfg.path));
  if (!path || (!bare && !which(path))) {
    throw new DocketError(
      "config_invalid",
      `Cannot use docket_bin "${docketBin}" of task "${task}": ${
        bare ? "it is not on PATH" : `"${path}" is not an executable file`
      }`,
      {
        hint: "Set docket_bin to the absolute path of the docket command (`command -v docket`)",
        details: { task, docket_bin: docketBin },
      },
    );
  }
  return [path];
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** Whether the service may keep the network (see networkNeeds for who needs it). */
export function needsNetwork(t: TaskInfo): boolean {
  return networkNeeds(t).length > 0;
}

/**
 * The DENO_DIR the installing Deno uses (docket's npm packages are cached there), named in the
 * unit: a system service has no HOME, so Deno would guess another folder.
 */
export function denoDirOf(env: { get(k: string): string | undefined }): string | undefined {
  const set = env.get("DENO_DIR");
  if (set?.startsWith("/")) return set;
  const xdg = env.get("XDG_CACHE_HOME");
  if (xdg?.startsWith("/")) return join(xdg, "deno");
  const home = env.get("HOME");
  return home?.startsWith("/") ? join(home, ".cache", "deno") : undefined;
}

/** The real paths behind the ExecStart binary and DENO_DIR, where they differ (symlinks). */
export function resolvedPaths(argv: readonly string[], denoDir: string | undefined): string[] {
  const out: string[] = [];
  for (const p of [argv[0], denoDir]) {
    if (!p) continue;
    try {
      const real = Deno.realPathSync(p);
      if (real !== p) out.push(real);
    } catch {
      // missing: systemd will say so when it starts the unit
    }
  }
  return out;
}

/** The unit options for one scheduled task. */
export function unitOptionsFor(
  t: TaskInfo,
  o: { cfg: DocketConfig; scope: UnitScope; env: { get(k: string): string | undefined } },
): UnitOptions {
  const c = t.config;
  const schedule = String(c.schedule);
  const delay = num(c.randomized_delay_seconds);
  const argv = docketArgv(t.name, c.docket_bin, o.cfg);
  const denoDir = denoDirOf(o.env);
  // A system service gets no $HOME (no User=), so docket's default home would not resolve
  // there: name it explicitly. User services inherit HOME from the user manager.
  const home = o.env.get("DOCKET_HOME") || o.scope === "system" ? o.cfg.home : undefined;
  return {
    taskName: t.name,
    docketArgv: argv,
    ...(home === undefined ? {} : { docketHome: home }),
    ...(o.env.get("DOCKET_CONFIG") ? { docketConfig: o.cfg.path } : {}),
    ...(denoDir === undefined ? {} : { denoDir }),
    workingDirectory: o.cfg.home,
    schedule,
    ...(() => {
      const cal = timerCalendar(t.name, c);
      return { onCalendar: cal.onCalendar, persistent: cal.persistent };
    })(),
    ...(delay ? { randomizedDelaySeconds: delay } : {}),
    network: needsNetwork(t),
    directives: systemdHardening(t, {
      scope: o.scope,
      cfg: o.cfg,
      docketArgv: argv,
      ...(denoDir === undefined ? {} : { denoDir }),
      resolvedPaths: resolvedPaths(argv, denoDir),
    }),
    scope: o.scope,
    ...(t.description ? { description: t.description } : {}),
  };
}
