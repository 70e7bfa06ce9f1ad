/** The checks behind `docket doctor`; each returns ok/warn/fail with a hint. */
import type { CommandInput } from "../cli/types.ts";
import { missingEnv } from "../runs/required_env.ts";
import type { Check } from "./doctor.ts";
import { toDocketError } from "../core/errors.ts";
import { configPath, docketHome } from "../core/paths.ts";
import { notPrivate } from "../runs/private_dir.ts";
import type { DocketConfig } from "../config/types.ts";
import { which } from "../core/which.ts";
import { findEscapingLinks } from "../sandbox/symlinks.ts";
import { osProbe } from "../sandbox/os_probe.ts";

export async function runChecks(input: CommandInput): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push({ name: "deno", status: "ok", message: `Deno ${Deno.version.deno}` });
  let cfg: DocketConfig | undefined;
  try {
    const { loadConfig } = await import("../config/load.ts");
    cfg = await loadConfig({ noCache: true });
    checks.push({
      name: "config",
      status: "ok",
      message: cfg.exists ? `${cfg.path} is valid` : `${cfg.path} does not exist (defaults used)`,
    });
    if (cfg.exists) {
      const mode = Deno.statSync(cfg.path).mode ?? 0;
      if (mode & 0o004) {
        checks.push({
          name: "config permissions",
          status: "warn",
          message: `${cfg.path} is world-readable (mode ${(mode & 0o777).toString(8)})`,
          hint: `chmod 600 ${cfg.path}: it may hold tokens`,
        });
      }
    }
  } catch (e) {
    const err = toDocketError(e);
    checks.push({
      name: "config",
      status: "fail",
      message: err.message,
      hint: err.hint ?? `Fix ${configPath()}`,
    });
    return checks;
  }
  void input;
  const homeWhy = notPrivate(docketHome());
  if (homeWhy) {
    checks.push({
      name: "home",
      status: "fail",
      message: `${docketHome()} is not private: ${homeWhy}`,
      hint: `chmod go-w ${docketHome()} (and chown it to this user): runs refuse it until then`,
    });
  }
  for (const [label, dir] of [["logs_dir", cfg.logs_dir], ["tasks_dir", cfg.tasks_dir]] as const) {
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
      const probe = `${dir}/.docket-doctor-${Deno.pid}`;
      Deno.writeTextFileSync(probe, "");
      Deno.removeSync(probe);
      const why = label === "logs_dir" ? notPrivate(dir) : undefined;
      if (why) {
        checks.push({
          name: label,
          status: "fail",
          message: `${dir} is not private: ${why}`,
          hint: `chmod go-w ${dir} (and chown it to this user): runs refuse it until then`,
        });
        continue;
      }
      checks.push({ name: label, status: "ok", message: `${dir} is writable` });
    } catch (e) {
      checks.push({
        name: label,
        status: "fail",
        message: `${dir} is not writable: ${(e as Error).message}`,
        hint: `Fix the permissions of ${dir} or set ${label} in the config`,
      });
    }
  }
  try {
    const { loadBackend, openStore } = await import("../store/open.ts");
    await loadBackend(cfg);
    const store = openStore(cfg);
    try {
      const h = store.health();
      if (h.integrity !== "ok") {
        checks.push({
          name: "state db",
          status: "fail",
          message: `${h.location}: integrity check failed: ${h.integrity}`,
          hint: h.backend === "postgres"
            ? "Grant this database role SELECT, INSERT, UPDATE and DELETE on docket's tables"
            : "Move the file aside; docket starts a new one",
        });
      } else {
        checks.push({
          name: "state db",
          status: "ok",
          message: `${h.location} (schema v${h.schema_version}/${h.schema_latest}, integrity ok)`,
        });
      }
      const { reconcile } = await import("../runs/reconcile.ts");
      const lost = reconcile(store);
      if (lost) {
        checks.push({
          name: "lost runs",
          status: "warn",
          message: `${lost} run(s) whose runner died were marked lost`,
          hint: "See `docket runs`",
        });
      }
      const { holderAlive } = await import("../runs/liveness.ts");
      const stale = store.list().filter((h) => !holderAlive((id) => store.getRun(id), h));
      if (stale.length) {
        checks.push({
          name: "locks",
          status: "warn",
          message: `stale lock(s) for ${stale.map((s) => s.task_name).join(", ")}`,
          hint: "They are taken over automatically by the next run",
        });
      }
    } finally {
      store.close();
    }
  } catch (e) {
    const err = toDocketError(e);
    checks.push({ name: "state db", status: "fail", message: err.message, hint: err.hint ?? "" });
  }
  const { listTasks } = await import("../registry/registry.ts");
  const tasks = await listTasks(cfg);
  for (const t of tasks.values()) {
    if (t.loadError) {
      checks.push({
        name: `task ${t.name}`,
        status: "fail",
        message: t.loadError.message,
        hint: "Fix the module or remove it from tasks_dir",
      });
      continue;
    }
    const bins = t.source === "command"
      ? [
        String(
          Array.isArray(t.config.command)
            ? t.config.command[0]
            : String(t.config.command).split(/\s+/)[0],
        ),
      ]
      : (t.grants.exec ?? []);
    const missing = bins.filter((b) => !which(b));
    const configured = t.source !== "builtin" || cfg.tasks[t.name] !== undefined;
    checks.push({
      name: `task ${t.name}`,
      status: missing.length && configured ? "warn" : "ok",
      message: missing.length
        ? `loads; not on PATH: ${missing.join(", ")}`
        : `loads${bins.length ? `; found ${bins.join(", ")}` : ""}`,
      ...(missing.length ? { hint: `Install ${missing.join(", ")} or fix the path` } : {}),
    });
    // The same list `docket run` refuses a task on (unset or empty counts as missing).
    const unset = missingEnv(t.grants.required_env);
    if (unset.length) {
      checks.push({
        name: `task ${t.name} env`,
        status: "warn",
        message: `required_env not set here: ${unset.join(", ")} (runs are refused: env_missing)`,
        hint: "Set them in docket's environment (for timers: the unit's Environment=)",
      });
    }
    for (const w of t.configWarnings) {
      checks.push({
        name: `task ${t.name} config`,
        status: "warn",
        message: w,
        hint: "Fix the key's spelling, or declare it in the task's schema",
      });
    }
    // The same scan `docket run` refuses a task on: links the sandbox would follow outside.
    const scan = findEscapingLinks(t.grants);
    const links = scan.links;
    if (scan.hardlinks.length) {
      const shown = scan.hardlinks.slice(0, 3).map((e) => `${e.file} (${e.nlink} links)`)
        .join(", ");
      const more = scan.hardlinks.length > 3 ? ` and ${scan.hardlinks.length - 3} more` : "";
      checks.push({
        name: `task ${t.name} paths`,
        status: "warn",
        message: `hard-linked file(s) inside declared writes: ${shown}${more}`,
        hint: "Runs are refused until each is a single-link copy (writing one changes its " +
          "other names too)",
      });
    }
    if (links.length) {
      const shown = links.slice(0, 3).map((e) => `${e.link} -> ${e.target}`).join(", ");
      const more = links.length > 3 ? ` and ${links.length - 3} more` : "";
      checks.push({
        name: `task ${t.name} paths`,
        status: "warn",
        message: `symlink(s) inside declared reads/writes lead outside them: ${shown}${more}`,
        hint: "Runs are refused until you remove the links or declare their targets",
      });
    }
  }
  checks.push(osCheck(cfg));
  // Installed units: systemd's exposure score, and drift from what install writes now.
  const { unitChecks } = await import("../systemd/doctor_units.ts");
  checks.push(...await unitChecks(cfg, tasks, Deno.env));
  const systemctl = which("systemctl");
  let systemd = false;
  try {
    systemd = Deno.statSync("/run/systemd/system").isDirectory;
  } catch {
    systemd = false;
  }
  checks.push({
    name: "systemd",
    status: systemd ? "ok" : "warn",
    message: systemd
      ? `systemd is running${systemctl ? ` (${systemctl})` : ""}`
      : "systemd is not running here: `docket install` can write units but not enable them",
    ...(systemd ? {} : { hint: "Timers need a host with systemd" }),
  });
  return checks;
}

/** Whether the OS sandbox (bubblewrap) works here, and what the config asks of it. */
function osCheck(cfg: DocketConfig): Check {
  const probe = osProbe(cfg.home);
  const policy = cfg.sandbox?.os ?? "auto";
  if (probe.available) {
    return policy === "off"
      ? {
        name: "os sandbox",
        status: "warn",
        message: `bwrap works here (${probe.bwrap}) but sandbox.os is off: command tasks and ` +
          "exec programs run unconfined",
        hint: "Remove sandbox.os: off from the config (auto uses it)",
      }
      : {
        name: "os sandbox",
        status: "ok",
        message: `bwrap works here (${probe.bwrap}): command tasks and the Deno child of ` +
          `TypeScript tasks run in it (sandbox.os: ${policy})`,
      };
  }
  return {
    name: "os sandbox",
    status: policy === "required" ? "fail" : "warn",
    message: `The OS sandbox is unavailable: ${probe.reason}` +
      (policy === "required"
        ? " (sandbox.os: required: every run is refused)"
        : " (command tasks and exec programs run unconfined; capabilities says advisory)"),
    ...(probe.hint ? { hint: probe.hint } : {}),
  };
}
