import assert from "node:assert/strict";
import { schemaTable, tree } from "./blocks.ts";
import { fit } from "./ui.ts";

Deno.test("tree: nested key: value lines, arrays joined, control characters escaped", () => {
  assert.deepEqual(tree({ a: 1, b: { c: "x\x1b[2J" }, d: ["p", "q"], e: [] }), [
    "  a: 1",
    "  b:",
    "    c: x\\x1b[2J",
    "  d: p, q",
    "  e: []",
  ]);
  assert.deepEqual(tree({}), ["  -"]);
});

Deno.test("schemaTable: dict-form and JSON Schema properties as one field table", () => {
  const dict = schemaTable({ n: { type: "integer", required: true, minimum: 1 } });
  assert.match(dict[1]!, /^ {2}n\s+integer\s+yes\s+min 1$/);
  const js = schemaTable({
    type: "object",
    properties: { s: { type: "string", enum: ["a", "b"] } },
    required: ["s"],
  });
  assert.match(js[1]!, /^ {2}s\s+string\s+yes\s+one of a, b$/);
  assert.deepEqual(schemaTable({}), ["  (no schema: config is free-form)"]);
});

Deno.test("fit cuts to n characters with … and leaves shorter text alone", () => {
  assert.equal(fit("abcdef", 4), "abc…");
  assert.equal(fit("abc", 4), "abc");
  assert.equal(fit("ééééé", 3), "éé…");
});
