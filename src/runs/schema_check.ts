/** Checks a task's config against the README's dict-form schema before the task starts. */
import { DocketError } from "../core/errors.ts";

type Rule = Record<string, unknown>;

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function matches(type: string, v: unknown): boolean {
  const t = typeOf(v);
  if (type === "number") return t === "number" || t === "integer";
  return t === type;
}

/** Returns the list of problems (empty when valid). JSON-Schema documents are not checked here. */
export function checkDictSchema(schema: Record<string, unknown>, config: Record<string, unknown>) {
  const problems: { key: string; message: string }[] = [];
  // A JSON Schema (from a zod schema) is validated inside the sandbox, not here.
  if ("$schema" in schema || schema.type === "object" || "x-standard-schema" in schema) {
    return problems;
  }
  for (const [key, raw] of Object.entries(schema)) {
    if (!raw || typeof raw !== "object") continue;
    const rule = raw as Rule;
    const v = config[key];
    if (v === undefined || v === null) {
      if (rule.required === true) problems.push({ key, message: "is required" });
      continue;
    }
    if (typeof rule.type === "string" && !matches(rule.type, v)) {
      problems.push({ key, message: `must be of type ${rule.type} (got ${typeOf(v)})` });
      continue;
    }
    if (Array.isArray(rule.enum) && !rule.enum.some((e) => e === v)) {
      problems.push({
        key,
        message: `must be one of ${rule.enum.map((e) => JSON.stringify(e)).join(", ")}`,
      });
    }
    if (typeof v === "number") {
      if (typeof rule.minimum === "number" && v < rule.minimum) {
        problems.push({ key, message: `must be ≥ ${rule.minimum}` });
      }
      if (typeof rule.maximum === "number" && v > rule.maximum) {
        problems.push({ key, message: `must be ≤ ${rule.maximum}` });
      }
    }
  }
  return problems;
}

export function assertSchema(
  taskName: string,
  schema: Record<string, unknown>,
  config: Record<string, unknown>,
): void {
  const problems = checkDictSchema(schema, config);
  if (!problems.length) return;
  const p = problems[0]!;
  throw new DocketError(
    "schema_invalid",
    `Config of task "${taskName}" does not match its schema: ${p.key} ${p.message}`,
    {
      hint: `Set tasks.${taskName}.${p.key} in the config, or pass --set ${p.key}=VALUE`,
      details: { task: taskName, problems },
    },
  );
}

/** Fills schema defaults for keys the config leaves unset. */
export function applySchemaDefaults(
  schema: Record<string, unknown>,
  config: Record<string, unknown>,
): Record<string, unknown> {
  const out = { ...config };
  for (const [key, raw] of Object.entries(schema)) {
    if (raw && typeof raw === "object" && "default" in raw && out[key] === undefined) {
      out[key] = (raw as Rule).default;
    }
  }
  return out;
}

/** The config keys a schema declares (dict form, or a JSON Schema's properties), if known. */
export function declaredKeys(schema: Record<string, unknown> | undefined): string[] | undefined {
  if (!schema || typeof schema !== "object") return undefined;
  const props = (schema as { properties?: unknown }).properties;
  if ("$schema" in schema || schema.type === "object" || props !== undefined) {
    return props && typeof props === "object" ? Object.keys(props) : undefined;
  }
  if ("x-standard-schema" in schema) return undefined;
  const keys = Object.keys(schema);
  return keys.length ? keys : undefined;
}
