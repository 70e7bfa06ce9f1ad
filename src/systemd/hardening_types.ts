// Types shared by the hardening derivation (kept apart so its parts import no cycle).
import type { DocketConfig, TaskSection } from "../config/types.ts";
import type { TaskSource } from "../registry/registry.ts";
import type { TaskGrants } from "../task_api.ts";
import type { Directive, UnitScope } from "./units.ts";

export type { Directive };

/** What the derivation reads of a task: its declarations and its resolved config. */
export interface HardeningTask {
  name: string;
  source: TaskSource;
  module: string | null;
  grants: TaskGrants;
  config: TaskSection;
}

export interface HardeningInput {
  scope: UnitScope;
  cfg: Pick<DocketConfig, "path" | "home" | "state_dir" | "logs_dir" | "tasks_dir" | "run_as"> & {
    tasks: DocketConfig["tasks"];
  };
  /** The ExecStart argv before `--json run <task>`: its absolute paths must stay readable. */
  docketArgv: readonly string[];
  /** The DENO_DIR the unit names (read-only for the unit). */
  denoDir?: string;
  /**
   * Where the ExecStart paths really are when they are symlinks (a /usr/local/bin/deno link
   * into ~/.npm): the unit must see the targets too. Resolved by the caller, not here.
   */
  resolvedPaths?: readonly string[];
}
