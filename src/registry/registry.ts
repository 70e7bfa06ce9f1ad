/**
 * Task discovery: built-ins (tasks/), drop-in modules in tasks_dir, `module:` and
 * `type: command` tasks from config. Drop-in metadata is read in a sandboxed child, each module
 * in its own realm, and cached by file identity: module code never runs with docket's own
 * permissions.
 */
import { basename, join } from "../core/path.ts";
import { DocketError, type ErrorJson, suggest } from "../core/errors.ts";
import {
  COMMAND_KEYS,
  type DocketConfig,
  GRANT_KEYS,
  SHARED_KEYS,
  taskOwnConfig,
  type TaskSection,
} from "../config/types.ts";
import { declaredKeys } from "../runs/schema_check.ts";
import type { TaskGrants } from "../task_api.ts";
import { BUILTIN_NAMES, builtinModuleUrl } from "./builtins.ts";
import { readModuleMeta } from "./meta.ts";
import { TASK_NAME_RE } from "../config/load.ts";
import { canonicalGrants, describeProblem, flagEntryProblem } from "../sandbox/grant_paths.ts";

export type TaskSource = "builtin" | "dropin" | "module" | "command";

export interface TaskInfo {
  name: string;
  source: TaskSource;
  /** File path (drop-in, module) or file URL (built-in) of the task's module. */
  module: string | null;
  description: string;
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  schema: Record<string, unknown>;
  standardSchema: boolean;
  grants: TaskGrants;
  /** Grants this task would get with another config section (to vet per-run overrides). */
  regrant: (section: TaskSection) => TaskGrants;
  /** The task's resolved config: module defaults under the config section. */
  config: TaskSection;
  hasDryRun: boolean;
  loadError: ErrorJson | null;
  /** Config keys a module task's schema does not declare (likely misspelt), as messages. */
  configWarnings: string[];
}

/** A module's declarations as read from it (a drop-in's come back from the sandboxed scan). */
export interface ModuleMeta extends TaskGrants {
  name?: string;
  description?: string;
  inputs?: Record<string, string>;
  outputs?: Record<string, string>;
  /** Dict-form schema, or the JSON Schema of a Standard Schema. */
  schema?: Record<string, unknown>;
  standard_schema?: boolean;
  has_dry_run?: boolean;
  defaults?: Record<string, unknown>;
  grantsFor?: (config: Record<string, unknown>) => Partial<TaskGrants>;
}

export function dropinFiles(tasksDir: string): string[] {
  const out: string[] = [];
  try {
    for (const e of Deno.readDirSync(tasksDir)) {
      if (!e.isFile && !e.isSymlink) continue;
      if (!e.name.endsWith(".ts") || e.name.endsWith("_test.ts") || e.name.startsWith("_")) {
        continue;
      }
      out.push(join(tasksDir, e.name));
    }
  } catch {
    // no tasks dir: no drop-ins
  }
  return out.sort();
}

/** Grants from the module's declarations, its config-dependent `grantsFor`, and the section. */
function grantsOf(meta: ModuleMeta, section: TaskSection): TaskGrants {
  const grants: TaskGrants = {};
  for (const k of GRANT_KEYS) {
    const v = section[k] ?? meta[k];
    if (v !== undefined) (grants as Record<string, unknown>)[k] = v;
  }
  if (meta.grantsFor) {
    const extra = meta.grantsFor({ ...(meta.defaults ?? {}), ...section });
    for (const [k, v] of Object.entries(extra)) {
      if (section[k] === undefined && v !== undefined) (grants as Record<string, unknown>)[k] = v;
    }
  }
  return grants;
}

const RESERVED = new Set<string>([...SHARED_KEYS, ...COMMAND_KEYS]);

function ownDefaults(d: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(d ?? {})) if (!RESERVED.has(k)) out[k] = v;
  return out;
}

/**
 * A module task's config stays free-form, but a key its schema does not declare is most
 * likely misspelt: a warning (with a suggestion), shown by describe, doctor and MCP.
 */
function undeclaredKeys(
  name: string,
  schema: Record<string, unknown> | undefined,
  section: TaskSection,
): string[] {
  const own = declaredKeys(schema);
  if (!own) return [];
  const out: string[] = [];
  for (const key of Object.keys(taskOwnConfig(section))) {
    if (own.includes(key)) continue;
    const guess = suggest(key, own);
    out.push(
      `tasks.${name}.${key}: not a key the task's schema declares` +
        (guess ? `: did you mean "${guess}"?` : " (the task may ignore it)"),
    );
  }
  return out;
}

function build(
  name: string,
  source: TaskSource,
  module: string | null,
  meta: ModuleMeta,
  section: TaskSection,
  loadError: ErrorJson | null,
): TaskInfo {
  // A module's defaults were checked at scan time; reserved keys are dropped here again, so
  // even an edited metadata cache cannot turn a default into a hook or a limit.
  const defaults = source === "builtin" ? meta.defaults : ownDefaults(meta.defaults);
  const config: TaskSection = { ...(defaults ?? {}), ...section };
  // What is reported and what is granted are the same canonical paths; a declaration that
  // cannot be granted as written makes the task fail to load (so it never runs).
  const { grants, problems } = canonicalGrants(grantsOf(meta, section));
  if (!loadError && problems[0]) {
    loadError = {
      kind: "task_load_failed",
      message: `Cannot load task ${quoted(name)}: ${describeProblem(problems[0])}`,
      hint: "Fix the declaration (or the config value it is derived from)",
    };
  }
  if (!loadError && module && !module.startsWith("file:") && flagEntryProblem(module)) {
    loadError = {
      kind: "task_load_failed",
      message: `Cannot load task ${quoted(name)}: its module path ${quoted(module)} ${
        flagEntryProblem(module)
      }`,
      hint: "Rename the module file",
    };
  }
  const schema = (section.schema as Record<string, unknown> | undefined) ?? meta.schema ?? {};
  return {
    name,
    source,
    module,
    description: String(section.description ?? meta.description ?? ""),
    inputs: (section.inputs as Record<string, string>) ?? meta.inputs ?? {},
    outputs: (section.outputs as Record<string, string>) ?? meta.outputs ?? {},
    schema,
    standardSchema: meta.standard_schema === true && section.schema === undefined,
    grants,
    regrant: (sec) => canonicalGrants(grantsOf(meta, sec)).grants,
    config,
    configWarnings: source === "dropin" || source === "module"
      ? undeclaredKeys(name, schema, section)
      : [],
    hasDryRun: source === "command"
      ? section.dry_run_args !== undefined || section.dry_run_command !== undefined
      : meta.has_dry_run === true,
    loadError,
  };
}

async function builtinInfo(name: string, section: TaskSection): Promise<TaskInfo> {
  const url = builtinModuleUrl(name);
  try {
    const mod = await import(url.href);
    const t = mod.default as ModuleMeta & { dryRun?: unknown; schema?: unknown };
    const meta: ModuleMeta = { ...t, has_dry_run: typeof t.dryRun === "function" };
    if (t.schema && typeof t.schema === "object" && "~standard" in t.schema) {
      meta.standard_schema = true;
      meta.schema = {};
    }
    return build(name, "builtin", url.href, meta, section, null);
  } catch (err) {
    return build(name, "builtin", url.href, {}, section, {
      kind: "task_load_failed",
      message: `Cannot load built-in task "${name}": ${(err as Error).message}`,
    });
  }
}

function commandInfo(name: string, section: TaskSection): TaskInfo {
  return build(name, "command", null, {}, section, null);
}

/**
 * Drop-ins by name. A name two files claim is a load error on both, and a declared name that
 * is not a task name is a load error: `list` and `run` must agree on what a name means.
 */
function dropinTasks(
  cfg: DocketConfig,
  files: string[],
  metas: Map<string, { meta?: ModuleMeta; error?: ErrorJson }>,
): Map<string, TaskInfo> {
  const claims = new Map<string, string[]>();
  const errors = new Map<string, ErrorJson>();
  for (const f of files) {
    const declared = metas.get(f)?.meta?.name;
    const name = declared !== undefined && TASK_NAME_RE.test(declared)
      ? declared
      : basename(f, ".ts");
    if ((BUILTIN_NAMES as readonly string[]).includes(name)) {
      // Otherwise it would replace the built-in and receive the operator's section for it
      // (its config and its required_env secrets).
      errors.set(f, {
        kind: "task_load_failed",
        message: `Cannot load task ${quoted(name)}: the drop-in "${f}" claims the name of the ` +
          `built-in task ${quoted(name)} (${builtinModuleUrl(name).pathname})`,
        hint: "Rename the drop-in (its `name` field, or the file when it has none); " +
          "a `module:` task in the config may replace a built-in",
      });
    } else if (declared !== undefined && name !== declared) {
      errors.set(f, {
        kind: "task_load_failed",
        message: `Cannot load task module "${f}": its name ${quoted(declared)} is not a task ` +
          `name (letters, digits, ".", "_" and "-" only)`,
      });
    }
    claims.set(name, [...(claims.get(name) ?? []), f]);
  }
  const out = new Map<string, TaskInfo>();
  for (const [name, [f, ...others]] of claims) {
    const section = cfg.tasks[name] ?? {};
    if (others.length) {
      const all = [f!, ...others].map((x) => `"${x}"`).join(", ");
      out.set(
        name,
        build(name, "dropin", f!, {}, section, {
          kind: "task_load_failed",
          message: `Cannot load task ${quoted(name)}: more than one module claims its name: ${all}`,
          hint: "rename one of them (the `name` field, or the file when it has none)",
        }),
      );
      continue;
    }
    const m = metas.get(f!) ?? {};
    const error = errors.get(f!) ?? m.error ?? null;
    out.set(name, build(name, "dropin", f!, error ? {} : m.meta ?? {}, section, error));
  }
  return out;
}

/** All tasks, by name. Later sources override earlier: built-in < drop-in < config. */
export async function listTasks(cfg: DocketConfig): Promise<Map<string, TaskInfo>> {
  const out = new Map<string, TaskInfo>();
  for (const name of BUILTIN_NAMES) out.set(name, await builtinInfo(name, cfg.tasks[name] ?? {}));
  const files = dropinFiles(cfg.tasks_dir);
  const moduleTasks = Object.entries(cfg.tasks).filter(([, s]) => s.type === "module");
  const metas = await readModuleMeta(cfg, [
    ...files,
    ...moduleTasks.map(([, s]) => String(s.module)),
  ]);
  for (const [name, t] of dropinTasks(cfg, files, metas)) out.set(name, t);
  for (const [name, s] of moduleTasks) {
    const m = metas.get(String(s.module))!;
    out.set(name, build(name, "module", String(s.module), m.meta ?? {}, s, m.error ?? null));
  }
  for (const [name, s] of Object.entries(cfg.tasks)) {
    if (s.type === "command") out.set(name, commandInfo(name, s));
  }
  return out;
}

/** Resolves one task cheaply (reads only the metadata it needs); unknown → did-you-mean. */
/** A name as shown in messages: bounded, quoted, control characters escaped. */
function quoted(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

export async function findTask(cfg: DocketConfig, name: string): Promise<TaskInfo> {
  if (!TASK_NAME_RE.test(name)) {
    // "../tasks/x" or "./x" would otherwise resolve to a drop-in under a bogus name; the name
    // is quoted with escapes so control characters never reach a terminal.
    throw new DocketError(
      "task_not_found",
      `Cannot find task ${quoted(name)}: task names hold letters, digits, ` +
        `".", "_" and "-" only`,
      { hint: "`docket list` shows every task", details: { task: name.slice(0, 200) } },
    );
  }
  const section = cfg.tasks[name];
  if (section?.type === "command") return commandInfo(name, section);
  if (section?.type === "module") {
    const m = (await readModuleMeta(cfg, [String(section.module)])).get(String(section.module))!;
    return build(name, "module", String(section.module), m.meta ?? {}, section, m.error ?? null);
  }
  const files = dropinFiles(cfg.tasks_dir);
  // Fast path: <name>.ts scanned alone, when every other drop-in's metadata is cached and none
  // claims the name. Otherwise the full scan below, so `run` and `list` always agree.
  const direct = join(cfg.tasks_dir, `${name}.ts`);
  if (files.includes(direct)) {
    const known = await readModuleMeta(cfg, files, { scanOnly: [direct] });
    const own = known.get(direct);
    const claimed = [...known].some(([f, m]) => f !== direct && m.meta?.name === name);
    const allKnown = files.every((f) => known.has(f));
    if (own && allKnown && !claimed && (own.meta?.name === undefined || own.meta.name === name)) {
      const t = dropinTasks(cfg, [direct], known).get(name);
      if (t) return t;
    }
  }
  // Every drop-in's metadata (cached after the first read), not just <name>.ts: another file
  // may claim the same name, and then `run` must refuse it just as `list` reports it.
  const dropins = dropinTasks(cfg, files, await readModuleMeta(cfg, files));
  const t = dropins.get(name);
  if (t) return t;
  if ((BUILTIN_NAMES as readonly string[]).includes(name)) {
    return await builtinInfo(name, section ?? {});
  }
  const known = [
    ...BUILTIN_NAMES,
    ...dropins.keys(),
    ...Object.entries(cfg.tasks).filter(([, s]) => s.type === "module" || s.type === "command")
      .map(([n]) => n),
  ];
  const guess = suggest(name, known);
  throw new DocketError(
    "task_not_found",
    `Cannot find task ${quoted(name)}${guess ? `: did you mean "${guess}"?` : ""}`,
    {
      hint: "`docket list` shows every task; drop-in tasks live in tasks_dir",
      details: { task: name.slice(0, 200), ...(guess ? { suggestion: guess } : {}) },
    },
  );
}
