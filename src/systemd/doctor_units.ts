// `docket doctor` on installed units: systemd's own exposure score of each docket-*.service,
// and whether it still matches what `docket install` would write now (config drift).
import type { DocketConfig } from "../config/types.ts";
import { join } from "../core/path.ts";
import { which } from "../core/which.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { unitDir, unitOptionsFor } from "./install_plan.ts";
import { renderUnits, type UnitScope } from "./units.ts";

type Env = { get(k: string): string | undefined };

/** The shape of a doctor check (commands/doctor.ts), kept here so systemd/ imports no command. */
export interface UnitCheck {
  name: string;
  status: "ok" | "warn" | "fail";
  message: string;
  hint?: string;
}

function installed(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && /^docket-[A-Za-z0-9_.:-]+\.service$/.test(e.name))
      .map((e) => e.name).sort();
  } catch {
    return [];
  }
}

/** `systemd-analyze security --offline=true`: the score and systemd's word for it. */
async function exposure(
  bin: string,
  scope: UnitScope,
  path: string,
  env: Env,
): Promise<{ score: string; verdict: string } | string> {
  const args = [...(scope === "user" ? ["--user"] : []), "security", "--offline=true", path];
  // The user-scope analyzer needs a runtime dir, even offline: lend it an empty one.
  const own = scope === "user" && !env.get("XDG_RUNTIME_DIR")
    ? Deno.makeTempDirSync({ prefix: "docket-analyze-" })
    : undefined;
  const xdg = own ?? env.get("XDG_RUNTIME_DIR");
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(bin, {
      args,
      env: { LC_ALL: "C", ...(xdg ? { XDG_RUNTIME_DIR: xdg } : {}) },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } finally {
    if (own) Deno.removeSync(own, { recursive: true });
  }
  const text = new TextDecoder().decode(out.stdout);
  const m = /Overall exposure level for \S+: (\d+\.\d) (\w+)/.exec(text);
  if (m) return { score: m[1]!, verdict: m[2]! };
  const err = new TextDecoder().decode(out.stderr).trim().split("\n")[0] ?? "";
  return `systemd-analyze security exited ${out.code}: ${err}`;
}

/** One check per installed docket unit, in the user and the system unit folder. */
export async function unitChecks(
  cfg: DocketConfig,
  tasks: Map<string, TaskInfo>,
  env: Env,
): Promise<UnitCheck[]> {
  const checks: UnitCheck[] = [];
  const analyzer = which("systemd-analyze");
  for (const scope of ["user", "system"] as const) {
    const dir = unitDir(scope, env);
    for (const file of installed(dir)) {
      const path = join(dir, file);
      const name = `unit ${file}`;
      const task = tasks.get(file.slice("docket-".length, -".service".length));
      if (!task) {
        checks.push({
          name,
          status: "warn",
          message: `${path} runs a task that no longer exists`,
          hint: `Disable and remove it: systemctl${scope === "user" ? " --user" : ""} ` +
            `disable --now ${file.replace(/\.service$/, ".timer")}`,
        });
        continue;
      }
      let stale = false;
      try {
        const want = renderUnits(unitOptionsFor(task, { cfg, scope, env })).service;
        stale = Deno.readTextFileSync(path) !== want;
      } catch {
        stale = true;
      }
      const score = analyzer ? await exposure(analyzer, scope, path, env) : undefined;
      const scored = typeof score === "object";
      const safe = scored && ["SAFE", "OK"].includes(score.verdict);
      checks.push({
        name,
        status: stale || !safe ? "warn" : "ok",
        message: [
          scored
            ? `exposure ${score.score} ${score.verdict} (systemd-analyze security)`
            : score ?? "exposure unknown: systemd-analyze is not installed",
          ...(stale ? ["differs from what docket install writes now"] : []),
        ].join("; "),
        ...(stale
          ? {
            hint: `Run docket install ${task.name}${
              scope === "system" ? " --system" : ""
            } again (the task's declarations or config changed)`,
          }
          : {}),
      });
    }
  }
  return checks;
}
