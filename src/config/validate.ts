/** Full validation of config text: YAML (with line:col errors), then zod schemas. */
import { parseDocument } from "yaml";
import type { z } from "zod";
import { dirname } from "../core/path.ts";
import { DocketError, suggest } from "../core/errors.ts";
import { resolvePath } from "../core/paths.ts";
import { commandTaskSchema, sharedTaskSchema, topSchema } from "./schema.ts";
import { COMMAND_KEYS, type DocketConfig, SHARED_KEYS, type TaskSection } from "./types.ts";
import { defaultDirs, TASK_NAME_RE } from "./load.ts";
import { BUILTIN_NAMES } from "../registry/builtins.ts";
import { flagEntryProblem } from "../sandbox/grant_paths.ts";

interface Problem {
  path: string;
  message: string;
}

export async function validateConfigText(
  text: string,
  at: { path: string; home: string; exists: boolean },
): Promise<DocketConfig> {
  const raw = parseYaml(text, at.path);
  const problems: Problem[] = [];
  const top = topSchema.safeParse(raw ?? {});
  if (!top.success) collect(problems, top.error, []);
  // Task sections are still checked after a top-level problem: --validate lists every problem.
  const maybeTasks = top.success ? top.data.tasks : (raw as { tasks?: unknown } | null)?.tasks;
  const isMapping = maybeTasks !== null && typeof maybeTasks === "object" &&
    !Array.isArray(maybeTasks);
  const tasks: Record<string, TaskSection> = {};
  const rawTasks = (isMapping ? maybeTasks : {}) as Record<string, unknown>;
  const base = dirname(at.path);
  for (const [name, section] of Object.entries(rawTasks)) {
    const t = await checkTaskSection(name, section ?? {}, base, problems);
    if (t) tasks[name] = t;
  }
  if (problems.length || !top.success) throw invalid(at.path, problems);
  const history: DocketConfig["history"] = {};
  if (top.data.history?.keep_runs !== undefined) history.keep_runs = top.data.history.keep_runs;
  if (top.data.history?.keep_days !== undefined) history.keep_days = top.data.history.keep_days;
  return {
    path: at.path,
    exists: at.exists,
    home: at.home,
    ...defaultDirs(at.home, base, top.data),
    history,
    ...(top.data.run_as === undefined ? {} : { run_as: top.data.run_as }),
    ...(top.data.state ? { state: stateOf(top.data.state) } : {}),
    ...(top.data.host_id === undefined ? {} : { host_id: top.data.host_id }),
    ...(top.data.sandbox?.os ? { sandbox: { os: top.data.sandbox.os } } : {}),
    tasks,
  };
}

let builtinSchemas: Record<string, z.ZodType> | undefined;
async function loadBuiltinSchemas(): Promise<Record<string, z.ZodType> | undefined> {
  if (builtinSchemas) return builtinSchemas;
  try {
    const mod = await import("./builtin_schemas.ts");
    return builtinSchemas = mod.builtinSchemas as Record<string, z.ZodType>;
  } catch {
    return undefined;
  }
}

function parseYaml(text: string, path: string): unknown {
  const nul = text.indexOf("\0");
  if (nul >= 0) {
    // yaml accepts NUL in scalars; a config holding one is damaged (a crash can leave zeros).
    const line = text.slice(0, nul).split("\n").length;
    throw new DocketError(
      "config_invalid",
      `Cannot parse config "${path}" at line ${line}: it contains a NUL byte (a damaged or binary file?)`,
      { hint: "Restore the file or rewrite it as text", details: { path, line } },
    );
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
    const first = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+.*$/, "");
    throw new DocketError(
      "config_invalid",
      `Cannot parse config "${path}"${where}: ${first}`,
      {
        hint: "Fix the YAML syntax (`docket configure --validate` checks it)",
        details: { path, ...(pos ? { line: pos.line, column: pos.col } : {}) },
      },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new DocketError("config_invalid", `Cannot parse config "${path}": ${String(e)}`, {
      hint: "Fix the YAML (aliases and anchors must resolve)",
    });
  }
}

function collect(out: Problem[], err: z.ZodError, prefix: (string | number)[]): void {
  for (const issue of err.issues) {
    const path = [...prefix, ...issue.path.map((x) => String(x))].join(".") || "(top level)";
    let message = issue.message;
    if (issue.code === "unrecognized_keys") {
      message = `unknown key${issue.keys.length > 1 ? "s" : ""} ${
        issue.keys.map((k) => `"${k}"`).join(", ")
      }`;
    }
    out.push({ path, message });
  }
}

function invalid(path: string, problems: Problem[]): DocketError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : "";
  return new DocketError(
    "config_invalid",
    `Config "${path}" is invalid: ${first.path}: ${first.message}${more}`,
    {
      hint: "Fix the key named above (`docket configure --validate` lists every problem)",
      details: { path, problems },
    },
  );
}

/** Validates one task section; pushes problems and returns the normalised section. */
export async function checkTaskSection(
  name: string,
  section: unknown,
  base: string,
  problems: Problem[],
): Promise<TaskSection | undefined> {
  const p = ["tasks", name];
  if (!TASK_NAME_RE.test(name)) {
    problems.push({
      path: p.join("."),
      message: "task names may hold letters, digits, '.', '_' and '-' only",
    });
    return undefined;
  }
  const shared = sharedTaskSchema.safeParse(section);
  if (!shared.success) {
    collect(problems, shared.error, p);
    // Report the command keys' problems in the same pass, so every problem shows at once.
    const raw = section as Record<string, unknown> | null;
    if (raw && typeof raw === "object" && (raw.type === "command" || raw.command !== undefined)) {
      const c = commandTaskSchema.safeParse(raw);
      if (!c.success) {
        const seen = new Set(problems.map((x) => x.path));
        const more: Problem[] = [];
        collect(more, c.error, p);
        problems.push(...more.filter((x) => !seen.has(x.path)));
      }
    }
    return undefined;
  }
  const t: TaskSection = { ...shared.data };
  grantEntries(t, base, p, problems);
  if (t.type === "command" || (t.command !== undefined && t.type === undefined)) {
    t.type = "command";
    const c = commandTaskSchema.safeParse(t);
    if (!c.success) collect(problems, c.error, p);
    unknownKeys(t, [...Object.keys(commandTaskSchema.shape), ...COMMAND_KEYS], p, problems);
    if (typeof t.cwd === "string") t.cwd = resolvePath(t.cwd, base);
  } else if (t.module !== undefined) {
    t.type = "module";
    t.module = resolvePath(String(t.module), base);
  } else if (t.type === "module") {
    problems.push({ path: [...p, "module"].join("."), message: "is required for type: module" });
  } else if ((BUILTIN_NAMES as readonly string[]).includes(name)) {
    const schema = (await loadBuiltinSchemas())?.[name];
    if (schema) {
      const b = schema.safeParse(t);
      if (!b.success) collect(problems, b.error, p);
      const own = (schema as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      unknownKeys(t, Object.keys(own), p, problems);
    }
  }
  if (typeof t.schedule === "string") {
    try {
      const { validateSchedule } = await import("../systemd/cron.ts");
      validateSchedule(t.schedule);
    } catch (err) {
      problems.push({
        path: [...p, "schedule"].join("."),
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  return t;
}

/**
 * Declared paths become absolute here (`~` expanded, relative ones against the config file's
 * folder, as `module:` and `cwd:`), so the cached config already holds what is granted; an
 * entry Deno's comma-separated flag lists cannot hold as one is a problem.
 */
function grantEntries(
  t: TaskSection,
  base: string,
  at: string[],
  problems: Problem[],
): void {
  for (const key of ["reads", "writes", "exec", "network", "sys", "required_env"]) {
    const list = t[key];
    if (!Array.isArray(list)) continue;
    list.forEach((v, i) => {
      const message = flagEntryProblem(v);
      if (message) problems.push({ path: [...at, key, i].join("."), message });
    });
    if (key === "reads" || key === "writes") {
      t[key] = list.map((v) => typeof v === "string" && v !== "" ? resolvePath(v, base) : v);
    }
  }
}

/**
 * Built-in and command sections have a closed key set (the shared keys plus their own): a
 * misspelt key (`exclude` for `excludes`, `timout_seconds`) would otherwise be silently
 * ignored, and the task run without what the operator meant.
 */
function unknownKeys(
  section: TaskSection,
  own: string[],
  p: string[],
  problems: Problem[],
): void {
  const known = [...Object.keys(sharedTaskSchema.shape), ...SHARED_KEYS, ...own];
  for (const key of Object.keys(section)) {
    if (known.includes(key)) continue;
    const guess = suggestKey(key, known);
    problems.push({
      path: [...p, key].join("."),
      message: `unknown key ${JSON.stringify(key)}${guess ? `: did you mean "${guess}"?` : ""}`,
    });
  }
}

/** A close spelling, or else the key sharing the longest prefix (4+): "retries" → "retry". */
export function suggestKey(key: string, known: string[]): string | undefined {
  const close = suggest(key, known);
  if (close) return close;
  let best: string | undefined, bestLen = 3;
  for (const k of known) {
    let n = 0;
    while (n < k.length && n < key.length && k[n] === key[n]) n++;
    if (n > bestLen) [best, bestLen] = [k, n];
  }
  return best;
}

export { invalid as invalidConfigError };
export type { Problem };

function stateOf(s: { backend: "sqlite" | "postgres"; url_env?: string | undefined }) {
  return { backend: s.backend, ...(s.url_env ? { url_env: s.url_env } : {}) };
}
