// What `docket install` checks on this machine before the units can work: folders the unit
// makes writable must exist, and a run_as user must own docket's home. Warnings, not errors:
// the units are still right, the machine needs a step.
import type { DocketConfig } from "../config/types.ts";
import { under } from "./hardening_paths.ts";
import { docketWrites } from "./hardening_paths.ts";
import { runAsOf } from "./hardening.ts";
import type { TaskInfo } from "../registry/registry.ts";

/** Creates docket's own writable folders: ReadWritePaths= of a missing path fails the start. */
export function createDocketDirs(cfg: DocketConfig): void {
  for (const dir of [cfg.home, ...docketWrites(cfg)]) {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
}

const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};

function uidOf(user: string): number | undefined {
  try {
    const out = new Deno.Command("id", { args: ["-u", "--", user], stderr: "null" }).outputSync();
    const n = Number(new TextDecoder().decode(out.stdout).trim());
    return out.code === 0 && Number.isInteger(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Warnings for one task's system unit. */
export function installWarnings(
  t: TaskInfo,
  cfg: DocketConfig,
  o: { scope: "user" | "system"; denoDir?: string | undefined },
): string[] {
  const out: string[] = [];
  const g = t.grants;
  for (const p of g.destructive === true ? g.writes ?? [] : []) {
    if (!exists(p)) {
      out.push(
        `task "${t.name}" declares writes "${p}", which does not exist: the unit can write ` +
          "only paths that exist when it starts (create it first)",
      );
    }
  }
  const runAs = o.scope === "system" ? runAsOf(t, cfg) : undefined;
  if (runAs === undefined || runAs === "dynamic") return out;
  const uid = uidOf(runAs);
  if (uid === undefined) {
    out.push(
      `run_as user "${runAs}" of task "${t.name}" does not exist: useradd --system ${runAs}`,
    );
    return out;
  }
  for (const dir of [cfg.home, ...docketWrites(cfg)]) {
    const owner = exists(dir) ? Deno.statSync(dir).uid : null;
    if (owner !== null && owner !== uid) {
      out.push(
        `task "${t.name}" runs as "${runAs}" (uid ${uid}), but "${dir}" is owned by uid ` +
          `${owner}: chown -R ${runAs}: ${dir}`,
      );
    }
  }
  if (o.denoDir && under(o.denoDir, ["/root"])) {
    out.push(
      `task "${t.name}" runs as "${runAs}", who cannot read DENO_DIR "${o.denoDir}": install ` +
        "with DENO_DIR set to a cache that user can read (e.g. /var/cache/deno, filled by deno cache)",
    );
  }
  return out;
}
