/**
 * What an untrusted module (a drop-in, a `module:` task) may declare, checked once per scan
 * with the config's own zod schemas: its contract (description, inputs, outputs, schema,
 * grants) and `defaults` for keys its schema declares as its own. Every key docket's
 * orchestrator acts on (hooks, notify, limits, retry, schedule, docket_bin, …) comes from the
 * operator's config alone, so a module default for one is a load error, not a silent merge.
 *
 * @module
 */
import type { z } from "zod";
import { COMMAND_KEYS, GRANT_KEYS, SHARED_KEYS } from "../config/types.ts";
import { commandTaskSchema, sharedTaskSchema } from "../config/schema.ts";
import type { ErrorJson } from "../core/errors.ts";
import { checkDictSchema, declaredKeys } from "../runs/schema_check.ts";
import type { ModuleMeta } from "./registry.ts";

/**
 * docket's own keys: every key its schemas know (so a key added to them later is reserved
 * at once), plus the hand lists. A module can never supply a value for one of them.
 */
export const RESERVED_KEYS: ReadonlySet<string> = new Set([
  ...Object.keys(sharedTaskSchema.shape),
  ...Object.keys(commandTaskSchema.shape),
  ...SHARED_KEYS,
  ...COMMAND_KEYS,
]);

/** Keys a module's metadata declares directly, each checked with the config's rule for it. */
const CONTRACT_KEYS = ["description", "inputs", "outputs", ...GRANT_KEYS] as const;

/** `"key.path" message` of the first issue. */
function issueText(key: string, err: z.ZodError): string {
  const i = err.issues[0];
  const at = i?.path.length ? `.${i.path.map(String).join(".")}` : "";
  return `"${key}${at}" ${i?.message ?? "is invalid"}`;
}

/** The first problem with a module's declarations, or undefined when it may load. */
export function contractProblem(meta: ModuleMeta): string | undefined {
  const shape = sharedTaskSchema.shape as Record<string, z.ZodType>;
  for (const k of CONTRACT_KEYS) {
    const v = (meta as Record<string, unknown>)[k];
    if (v === undefined) continue;
    const r = shape[k]!.safeParse(v);
    if (!r.success) return issueText(k, r.error);
  }
  const own = declaredKeys(meta.schema);
  // docket strips its own keys from the config a task receives, so a schema (and a default
  // in it) for one could never apply: refused like a default for one.
  const taken = own?.find((k) => RESERVED_KEYS.has(k));
  if (taken !== undefined) {
    return `its schema declares "${taken}", one of docket's own keys; a task's config keys ` +
      `must not be docket's (the operator sets ${taken})`;
  }
  const defaults = meta.defaults;
  if (defaults === undefined) return undefined;
  for (const key of Object.keys(defaults)) {
    if (RESERVED_KEYS.has(key)) {
      return `"defaults.${key}" is one of docket's own keys; a module may set defaults only ` +
        `for its own config keys (set ${key} in the operator's config instead)`;
    }
    if (!own?.includes(key)) {
      return `"defaults.${key}" is not a key its schema declares; a module may set defaults ` +
        `only for config keys its schema declares`;
    }
  }
  // Dict-form schema: the defaults must satisfy it (a JSON Schema is checked in the sandbox).
  const problems = checkDictSchema(meta.schema ?? {}, defaults).filter((p) => p.key in defaults);
  if (problems.length) {
    const p = problems[0]!;
    return `"defaults.${p.key}" ${p.message}`;
  }
  return undefined;
}

/** The same check as a load error (the message never includes the module's source). */
export function contractError(path: string, meta: ModuleMeta): ErrorJson | undefined {
  const problem = contractProblem(meta);
  if (!problem) return undefined;
  return {
    kind: "task_load_failed",
    message: `Cannot load task module "${path}": ${problem}`,
    hint: 'Fix the module\'s declarations (README: "What a module may declare")',
  };
}
