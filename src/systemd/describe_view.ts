// The `systemd` key of `docket describe`: the hardening `docket install` would write, per scope.
import type { DocketConfig } from "../config/types.ts";
import { toDocketError } from "../core/errors.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { unitOptionsFor } from "./install_plan.ts";
import type { Directive, UnitScope } from "./units.ts";

export type ScopeView = { directives: Directive[] } | { error: string };
export type SystemdView = Record<UnitScope, ScopeView>;

/** The same directives install writes (unitOptionsFor → systemdHardening), or why none. */
export function systemdView(
  t: TaskInfo,
  cfg: DocketConfig,
  env: { get(k: string): string | undefined },
): SystemdView {
  const one = (scope: UnitScope): ScopeView => {
    try {
      return { directives: [...unitOptionsFor(t, { cfg, scope, env }).directives] };
    } catch (err) {
      return { error: toDocketError(err).message };
    }
  };
  return { system: one("system"), user: one("user") };
}

// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/g;
const esc = (s: string) =>
  s.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);

/** Human lines: `Directive=value` then its reason, indented. */
export function renderSystemdView(view: SystemdView): string[] {
  const lines: string[] = [];
  for (const scope of ["system", "user"] as const) {
    const v = view[scope];
    lines.push(
      "",
      `systemd ${scope} unit (docket install${scope === "system" ? " --system" : ""})`,
    );
    if ("error" in v) {
      lines.push(`  cannot generate: ${esc(v.error)}`);
      continue;
    }
    for (const d of v.directives) {
      lines.push(`  ${esc(`${d.directive}=${d.value}`)}`, `      ${esc(d.reason)}`);
    }
  }
  return lines;
}
