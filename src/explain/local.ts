// `explain --target local`: read from the same sandbox spec `capabilities` and `run` use
// (sandboxOf → permissions.enforced_by, deno_flags), never derived a second time.
import type { DocketConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { sandboxOf } from "../commands/common.ts";
import { type ExplainRow, layers } from "./types.ts";

/** The keys of `permissions.enforced_by` and the declaration row each one decides. */
export const ENFORCED_BY_ROWS = {
  network: "network",
  read: "reads",
  write: "writes",
  env: "env",
  processes: "processes",
};

const flag = (flags: string[], name: string) =>
  flags.filter((f) => f === name || f.startsWith(`${name}=`));

export function localRows(t: TaskInfo, cfg: DocketConfig): ExplainRow[] {
  const sb = sandboxOf(t, cfg);
  const p = sb.permissions;
  const by = p.enforced_by as Record<string, unknown>;
  const f = sb.deno_flags;
  const g = t.grants;
  const command = t.source === "command";
  const exec = p.run;
  const outside = exec.length
    ? [`programs started through exec (${exec.join(", ")}) run outside Deno's sandbox`]
    : [];
  const label = command ? ["a type: command task is not Deno code: this is a label only"] : [];
  const gaps = (layer: string[]) =>
    layer.includes("advisory")
      ? [...label, ...outside]
      : layer.includes("not_applicable")
      ? ["nothing limits it: the program sees what the OS lets it see"]
      : [];
  const row = (
    key: keyof typeof ENFORCED_BY_ROWS,
    declared: unknown,
    mech: string[],
    more: string[] = [],
  ) => {
    const l = layers(by[key]);
    return {
      declaration: ENFORCED_BY_ROWS[key],
      declared,
      enforced_by: l,
      mechanisms: command ? [] : mech,
      not_enforced: [...gaps(l), ...more],
    };
  };
  const rows: ExplainRow[] = [
    row("network", g.network ?? false, [
      ...(flag(f, "--allow-net").length ? flag(f, "--allow-net") : ["no --allow-net"]),
      ...flag(f, "--cached-only"),
    ], Array.isArray(g.network) ? ["hosts match literally: localhost is not 127.0.0.1"] : []),
    row(
      "read",
      g.reads ?? [],
      flag(f, "--allow-read"),
      command ? [] : [
        "a symlink already inside an allowed path can lead outside it",
      ],
    ),
    row(
      "write",
      { destructive: g.destructive ?? false, writes: g.writes ?? null },
      flag(f, "--allow-write"),
    ),
    row("env", g.required_env ?? [], [
      ...flag(f, "--allow-env"),
      "the child's environment is cleared to the base set plus the declared names",
    ]),
  ];
  if (!command) {
    rows.push({
      declaration: "exec",
      declared: exec,
      enforced_by: ["deno"],
      mechanisms: exec.length ? flag(f, "--allow-run") : ["no --allow-run"],
      not_enforced: outside.length
        ? [`${outside[0]}: only the cleared environment limits them`]
        : [],
    });
    rows.push({
      declaration: "sys",
      declared: p.sys,
      enforced_by: ["deno"],
      mechanisms: p.sys.length ? flag(f, "--allow-sys") : ["no --allow-sys"],
      not_enforced: [],
    });
  }
  rows.push({
    declaration: "memory",
    declared: p.max_memory_mb,
    enforced_by: p.max_memory_mb && !command ? ["deno"] : [],
    mechanisms: command ? [] : f.filter((x) => x.startsWith("--v8-flags=")),
    not_enforced: p.max_memory_mb
      ? command
        ? ["max_memory_mb is a V8 heap flag: a type: command task is not capped"]
        : ["only the V8 heap is capped: native memory and programs started through exec are not"]
      : ["no limit declared"],
  });
  const timeout = t.config.timeout_seconds;
  rows.push({
    declaration: "timeout",
    declared: timeout ?? null,
    enforced_by: timeout === undefined ? [] : ["docket"],
    mechanisms: timeout === undefined ? [] : [
      `docket stops the task's process group after ${timeout}s (SIGTERM, then SIGKILL)`,
    ],
    not_enforced: timeout === undefined ? ["no limit declared"] : [],
  });
  rows.push(processesRow(layers(by.processes)));
  return rows;
}

/** How the task's processes are held: the layer `capabilities` reports (enforced_by.processes). */
function processesRow(layer: string[]): ExplainRow {
  const row = { declaration: "processes", declared: null, enforced_by: layer };
  if (layer.includes("os")) {
    return {
      ...row,
      mechanisms: [
        "bwrap --unshare-pid --die-with-parent: the jail's PID namespace ends with the run",
      ],
      not_enforced: [],
    };
  }
  if (layer.includes("deno")) {
    return {
      ...row,
      mechanisms: ["no --allow-run: Deno code alone starts no process"],
      not_enforced: [],
    };
  }
  return {
    ...row,
    mechanisms: ["the task runs in its own process group, stopped when the run ends"],
    not_enforced: [
      "a process that leaves the group (setsid) can outlive the run; its output is cut 1.5 s " +
      "after the task exits",
    ],
  };
}

/** Notes `capabilities` carries for the task (permissions.notes). */
export function localNotes(t: TaskInfo, cfg: DocketConfig): string[] {
  return sandboxOf(t, cfg).permissions.notes;
}
