import assert from "node:assert/strict";
import { esc, escLines } from "./escape.ts";

Deno.test("esc escapes C0, C1, DEL and bidi controls and keeps printable text", () => {
  assert.equal(esc("a\x1b]0;pwned\x07b"), "a\\x1b]0;pwned\\x07b");
  assert.equal(esc("\x1b[2J"), "\\x1b[2J");
  assert.equal(esc("x\ny\tz\r"), "x\\ny\\tz\\r");
  assert.equal(esc("\x9b31m\x7f"), "\\x9b31m\\x7f");
  assert.equal(esc("abc\u202eevil"), "abc\\u{202e}evil");
  assert.equal(esc("héllo — ✓ 👍🏽"), "héllo — ✓ 👍🏽");
  assert.equal(esc(null), "");
});

Deno.test("escLines keeps newlines and tabs", () => {
  assert.equal(escLines("a\n\tb\x1b[2Jc\r\n"), "a\n\tb\\x1b[2Jc\\r\n");
});
