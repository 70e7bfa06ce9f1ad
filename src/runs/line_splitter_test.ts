import assert from "node:assert/strict";
import { LineSplitter } from "./line_splitter.ts";

const enc = new TextEncoder();

function split(chunks: string[], cap = 1000): { lines: string[]; overflows: number } {
  const lines: string[] = [];
  let overflows = 0;
  const s = new LineSplitter(cap, (l) => lines.push(l), () => overflows++);
  for (const c of chunks) s.push(enc.encode(c));
  s.end();
  return { lines, overflows };
}

Deno.test("LineSplitter: lines across chunks, a last line without newline", () => {
  assert.deepEqual(split(["a\nb", "c\n", "\nd"]).lines, ["a", "bc", "", "d"]);
});

Deno.test("LineSplitter: a multi-byte character split across chunks stays whole", () => {
  const bytes = enc.encode("é€\n");
  const lines: string[] = [];
  const s = new LineSplitter(100, (l) => lines.push(l), () => {});
  for (const b of bytes) s.push(new Uint8Array([b]));
  assert.deepEqual(lines, ["é€"]);
});

Deno.test("LineSplitter: a line past the cap is dropped whole, the next line is kept", () => {
  const r = split(["x".repeat(6), "x".repeat(6), "y\n", '{"ok":1}\n'], 10);
  assert.deepEqual(r.lines, ['{"ok":1}']);
  assert.equal(r.overflows, 1);
});
