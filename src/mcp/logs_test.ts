import assert from "node:assert/strict";
import { leadingPartial, trailingPartial } from "./logs.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

Deno.test("a page never ends inside a multi-byte character", () => {
  assert.equal(trailingPartial(bytes("abc")), 0);
  const e = bytes("a€"); // € is 3 bytes
  assert.equal(trailingPartial(e), 0);
  assert.equal(trailingPartial(e.subarray(0, 3)), 2);
  assert.equal(trailingPartial(e.subarray(0, 2)), 1);
  const emoji = bytes("🙂"); // 4 bytes
  assert.equal(trailingPartial(emoji.subarray(0, 3)), 3);
  assert.equal(trailingPartial(emoji), 0);
});

Deno.test("a tail window never starts inside a multi-byte character", () => {
  const e = bytes("€x");
  assert.equal(leadingPartial(e), 0);
  assert.equal(leadingPartial(e.subarray(1)), 2);
  assert.equal(leadingPartial(e.subarray(2)), 1);
});
