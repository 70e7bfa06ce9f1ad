// `explain --target systemd`: the local layers (docket runs the task the same way under a
// timer) plus the service directives docket generates. The adapter is one function,
// `serviceDirectives`, so a richer directive list can replace the parse of the unit text.
import type { DocketConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { unitOptionsFor } from "../systemd/install_plan.ts";
import { renderUnits, type UnitScope } from "../systemd/units.ts";
import type { ExplainRow } from "./types.ts";

/** `Key=value` lines of the [Service] section docket writes for this task and scope. */
export function serviceDirectives(t: TaskInfo, cfg: DocketConfig, scope: UnitScope): string[] {
  const env = { get: (k: string) => Deno.env.get(k) };
  // A task without a schedule is described as if it had one: the directives do not depend on it.
  const task = typeof t.config.schedule === "string"
    ? t
    : { ...t, config: { ...t.config, schedule: "@daily" } };
  const service = renderUnits(unitOptionsFor(task, { cfg, scope, env })).service;
  const section = service.split("[Service]\n")[1] ?? "";
  return section.split("\n").filter((l) => /^[A-Za-z]+=/.test(l));
}

/** Which declaration a directive enforces (a part of). Unlisted directives are not shown. */
export const DIRECTIVE_ROWS: Record<string, string> = {
  PrivateNetwork: "network",
  IPAddressDeny: "network",
  IPAddressAllow: "network",
  RestrictAddressFamilies: "network",
  PrivateTmp: "writes",
  ProtectSystem: "writes",
  ReadWritePaths: "writes",
  ProtectHome: "reads",
  ReadOnlyPaths: "reads",
  InaccessiblePaths: "reads",
  TemporaryFileSystem: "reads",
  MemoryMax: "memory",
  MemoryHigh: "memory",
  TimeoutStartSec: "timeout",
  RuntimeMaxSec: "timeout",
  NoNewPrivileges: "processes",
  TasksMax: "processes",
  KillMode: "processes",
  CapabilityBoundingSet: "processes",
  SystemCallFilter: "processes",
  PrivatePIDs: "processes",
};

/** Directives that state the absence of a limit. */
const NO_LIMIT = new Set(["TimeoutStartSec=infinity"]);

/** Adds the systemd layer to the local rows; directives only system units get are marked. */
export function systemdRows(local: ExplainRow[], t: TaskInfo, cfg: DocketConfig): ExplainRow[] {
  const user = serviceDirectives(t, cfg, "user");
  const system = serviceDirectives(t, cfg, "system");
  const all = [...new Set([...user, ...system])];
  return local.map((r) => {
    const mine = all.filter((d) =>
      DIRECTIVE_ROWS[d.split("=")[0]!] === r.declaration && !NO_LIMIT.has(d)
    );
    if (r.declaration === "processes") {
      // systemd's default KillMode=control-group: whatever is left in the service's cgroup
      // when docket exits is killed, setsid or not.
      return {
        ...r,
        enforced_by: [...r.enforced_by, "systemd"],
        mechanisms: [...r.mechanisms, ...mine, "KillMode=control-group (systemd's default)"],
        not_enforced: r.not_enforced.filter((g) => !g.includes("setsid")),
      };
    }
    if (!mine.length) return r;
    const mech = mine.map((d) => user.includes(d) ? d : `${d} (system units only)`);
    const userOnlyGap = mine.every((d) => !user.includes(d))
      ? ["user units cannot set it: install with --system for this layer"]
      : [];
    return {
      ...r,
      enforced_by: [...r.enforced_by, "systemd"],
      mechanisms: [...r.mechanisms, ...mech],
      not_enforced: [...r.not_enforced, ...userOnlyGap],
    };
  });
}
