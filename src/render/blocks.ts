/** Readable human blocks for structured task data: key/value trees and schema field tables. */
import { esc } from "./escape.ts";
import { table } from "./ui.ts";

function scalar(v: unknown): string {
  if (typeof v === "string") return esc(v);
  if (v === null || v === undefined) return "-";
  if (typeof v === "object") return esc(JSON.stringify(v));
  return esc(String(v));
}

/** An indented `key: value` tree (objects nest, arrays of scalars join with ", "). */
export function tree(v: unknown, indent = "  "): string[] {
  if (!v || typeof v !== "object" || Array.isArray(v)) return [`${indent}${scalar(v)}`];
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return [`${indent}-`];
  const lines: string[] = [];
  for (const [k, x] of entries) {
    if (x && typeof x === "object" && !Array.isArray(x) && Object.keys(x).length) {
      lines.push(`${indent}${esc(k)}:`, ...tree(x, indent + "  "));
    } else if (Array.isArray(x) && x.some((e) => e && typeof e === "object")) {
      lines.push(`${indent}${esc(k)}:`, ...x.map((e) => `${indent}  - ${scalar(e)}`));
    } else {
      lines.push(
        `${indent}${esc(k)}: ${Array.isArray(x) ? (x.map(scalar).join(", ") || "[]") : scalar(x)}`,
      );
    }
  }
  return lines;
}

/** A dict-form schema (or a JSON Schema's `properties`) as a field table. */
export function schemaTable(schema: Record<string, unknown>, indent = "  "): string[] {
  const props = (schema.type === "object" && schema.properties && typeof schema.properties ===
        "object")
    ? schema.properties as Record<string, Record<string, unknown>>
    : schema as Record<string, Record<string, unknown>>;
  const required = Array.isArray(schema.required) ? schema.required as string[] : [];
  const rows = Object.entries(props).map(([k, f]) => {
    const field = f && typeof f === "object" ? f : {};
    const extra = [
      Array.isArray(field.enum) ? `one of ${field.enum.map(scalar).join(", ")}` : "",
      field.default !== undefined ? `default ${scalar(field.default)}` : "",
      field.minimum !== undefined ? `min ${scalar(field.minimum)}` : "",
      field.maximum !== undefined ? `max ${scalar(field.maximum)}` : "",
    ].filter(Boolean).join("; ");
    return [
      esc(k),
      scalar(field.type ?? "any"),
      field.required === true || required.includes(k) ? "yes" : "no",
      esc(
        [typeof field.description === "string" ? field.description : "", extra].filter(Boolean)
          .join(" — "),
      ),
    ];
  });
  if (!rows.length) return [`${indent}(no schema: config is free-form)`];
  return table(["FIELD", "TYPE", "REQUIRED", "DESCRIPTION"], rows).split("\n").map((l) =>
    indent + l
  );
}
