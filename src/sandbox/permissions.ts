/**
 * Permission derivation: one pure function from a task's declarations to the exact Deno
 * flags and the environment of its child. `describe` and `capabilities` show its output.
 */
import type { TaskGrants } from "../task_api.ts";
import { fromFileUrl, normalize } from "../core/path.ts";
import { canonicalGrants, describeProblem, flagEntryProblem } from "./grant_paths.ts";

/**
 * docket's public task API files: a task module that imports them (statically) needs read
 * access to them, because its whole module graph is loaded by a dynamic import.
 */
export const TASK_API_FILES = [
  fromFileUrl(new URL("../../task.ts", import.meta.url)),
  fromFileUrl(new URL("../task_api.ts", import.meta.url)),
];

/** Variables every child gets (programs need them to work), never the operator's secrets. */
export const BASE_ENV = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "TZ", "DENO_DIR"] as const;
/** Run context handed to every child (and readable by TS tasks). */
export const CONTEXT_ENV = [
  "DOCKET_RUN_ID",
  "DOCKET_TASK_NAME",
  "DOCKET_DRY_RUN",
  "DOCKET_SCRATCH_DIR",
  "DOCKET_ATTEMPT",
] as const;

export type Enforcement = "deno" | "os" | "env_filter" | "advisory" | "not_applicable";

export interface Permissions {
  net: boolean | string[];
  env: string[];
  read: string[];
  write: boolean | string[];
  run: string[];
  sys: string[];
  max_memory_mb: number | null;
  /** Who enforces each declaration: Deno's sandbox, only docket's env filter, or nobody. */
  enforced_by: {
    network: Enforcement;
    env: Enforcement;
    write: Enforcement;
    read: Enforcement;
    /** Set by the child spec (src/sandbox/child_spec.ts): who stops what the task starts. */
    processes?: Enforcement;
  };
  notes: string[];
}

export interface SandboxSpec {
  permissions: Permissions;
  deno_flags: string[];
}

export interface DeriveInput {
  grants: TaskGrants;
  /** The task's module file (read access, for the dynamic import), absent for command tasks. */
  modulePath?: string;
  /** Per-run scratch dir; `<scratch>` when describing without a run. */
  scratchDir: string;
  /** A dry run: no write grant outside the scratch dir, whatever the task declares. */
  dryRun?: boolean;
  /**
   * docket's own files (config, state DB, logs, cache, tasks_dir): `--deny-read`/`--deny-write`,
   * which Deno applies over any grant — also the unscoped write of `destructive` without `writes`.
   */
  deny?: { read: string[]; write: string[] };
}

/**
 * Derives the Deno flags for a TypeScript task. Pure: no I/O. Grants are canonical first
 * (grant_paths.ts): an entry that cannot be granted as written is left out, never split.
 */
export function deriveSandbox(input: DeriveInput): SandboxSpec {
  const { grants: g, problems } = canonicalGrants(input.grants);
  const modulePath = input.modulePath === undefined || flagEntryProblem(input.modulePath)
    ? undefined
    : normalize(input.modulePath);
  const net: boolean | string[] = Array.isArray(g.network) ? uniq(g.network) : g.network === true;
  const env = uniq([...(g.required_env ?? []), ...CONTEXT_ENV]);
  const read = uniq([
    ...(modulePath ? [modulePath] : []),
    ...TASK_API_FILES,
    input.scratchDir,
    ...(g.reads ?? []),
  ]);
  const destructive = g.destructive === true;
  // destructive without a `writes` list: anywhere; with one (even empty): only those paths.
  // A dry run previews: its code may write its scratch dir only (a task's dryRun() is code
  // like any other, and may be wrong).
  const write: boolean | string[] = input.dryRun
    ? [input.scratchDir]
    : destructive
    ? (g.writes === undefined ? true : uniq([input.scratchDir, ...g.writes]))
    : [input.scratchDir];
  const run = uniq(g.exec ?? []);
  const sys = uniq(g.sys ?? []);
  const flags = ["--no-prompt"];
  flags.push(`--allow-read=${read.join(",")}`);
  flags.push(write === true ? "--allow-write" : `--allow-write=${(write as string[]).join(",")}`);
  if (net === true) flags.push("--allow-net");
  else if (Array.isArray(net) && net.length) flags.push(`--allow-net=${net.join(",")}`);
  flags.push(`--allow-env=${env.join(",")}`);
  if (run.length) flags.push(`--allow-run=${run.join(",")}`);
  if (sys.length) flags.push(`--allow-sys=${sys.join(",")}`);
  if (input.deny?.read.length) flags.push(`--deny-read=${uniq(input.deny.read).join(",")}`);
  if (input.deny?.write.length) flags.push(`--deny-write=${uniq(input.deny.write).join(",")}`);
  const mem = g.max_memory_mb ?? null;
  if (mem) flags.push(`--v8-flags=--max-old-space-size=${mem}`);
  // Module loading is not gated by --allow-net: without this, `import("npm:x")` or an import
  // from Deno's default hosts (esm.sh, deno.land, jsr.io…) reaches the network (measured).
  if (net !== true) flags.push("--cached-only");
  const notes: string[] = [];
  if (input.modulePath !== undefined && !modulePath) {
    notes.push(`module path ${JSON.stringify(input.modulePath)} cannot be granted: not run`);
  }
  for (const p of problems) notes.push(`not granted: ${describeProblem(p)}`);
  if (run.length) {
    notes.push(
      `programs started through exec (${run.join(", ")}) run outside Deno's sandbox: ` +
        "only the cleared environment limits them",
    );
  }
  if (input.dryRun) {
    notes.push(
      "dry run: no write grant outside the scratch dir, whatever the task declares" +
        (run.length ? " (programs started through exec are not limited by it)" : ""),
    );
  }
  notes.push("a symlink that already exists inside an allowed path can lead outside it");
  if (input.deny?.write.length) {
    notes.push(
      "docket's own files (config, state database, logs, cache; tasks_dir for writes) are " +
        "denied whatever the grants",
    );
  }
  return {
    permissions: {
      net,
      env,
      read,
      write,
      run,
      sys,
      max_memory_mb: mem,
      enforced_by: {
        network: run.length ? "advisory" : "deno",
        env: "deno",
        write: run.length ? "advisory" : "deno",
        read: run.length ? "advisory" : "deno",
      },
      notes,
    },
    deno_flags: flags,
  };
}

/** Command tasks run outside Deno: only the environment filter applies. */
export function commandPermissions(g: TaskGrants): SandboxSpec {
  return {
    permissions: {
      net: Array.isArray(g.network) ? uniq(g.network) : g.network === true,
      env: uniq([...(g.required_env ?? []), ...CONTEXT_ENV]),
      read: [],
      write: g.destructive === true,
      run: [],
      sys: [],
      max_memory_mb: null,
      enforced_by: {
        network: "advisory",
        env: "env_filter",
        write: "advisory",
        read: "not_applicable",
      },
      notes: [
        "type: command tasks are executables, not Deno code: Deno cannot sandbox them. " +
        "Their environment is cleared to the base set plus required_env and env; " +
        "network and destructive are labels only",
      ],
    },
    deno_flags: [],
  };
}

/** The environment of a child: base set + declared variables (+ extra), nothing else. */
export function childEnv(opts: {
  source: Record<string, string>;
  required: string[];
  context: Record<string, string>;
  extra?: Record<string, string>;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const k of BASE_ENV) {
    const v = opts.source[k];
    if (v !== undefined) env[k] = v;
  }
  for (const [k, v] of Object.entries(opts.source)) {
    if (k.startsWith("LC_")) env[k] = v;
  }
  env.NO_COLOR = "1";
  for (const k of opts.required) {
    const v = opts.source[k];
    if (v !== undefined) env[k] = v;
  }
  Object.assign(env, opts.extra ?? {}, opts.context);
  return env;
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
