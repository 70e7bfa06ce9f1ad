import assert from "node:assert/strict";
import { CACHE_KEY_FILE, digest, seal, unseal } from "./cache_seal.ts";

Deno.test("seal/unseal: a record verifies; an edited body or a foreign MAC does not", async () => {
  const home = Deno.makeTempDirSync();
  try {
    const r = await seal(home, '{"a":1}');
    assert.ok(r);
    assert.equal(Deno.statSync(`${home}/${CACHE_KEY_FILE}`).mode! & 0o777, 0o600);
    assert.equal(await unseal(home, r), '{"a":1}');
    assert.equal(await unseal(home, { ...r, body: '{"a":2}' }), undefined);
    assert.equal(await unseal(home, { body: r.body, mac: "0".repeat(64) }), undefined);
    assert.equal(await unseal(home, JSON.parse(r.body)), undefined);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("seal: a key file others can read is not trusted, so nothing is sealed", async () => {
  const home = Deno.makeTempDirSync();
  try {
    Deno.writeFileSync(`${home}/${CACHE_KEY_FILE}`, new Uint8Array(32), { mode: 0o644 });
    Deno.chmodSync(`${home}/${CACHE_KEY_FILE}`, 0o644);
    assert.equal(await seal(home, "x"), undefined);
    assert.equal(await unseal(home, { body: "x", mac: "0".repeat(64) }), undefined);
  } finally {
    Deno.removeSync(home, { recursive: true });
  }
});

Deno.test("digest: parts are length-prefixed, so moving a boundary changes it", async () => {
  assert.notEqual(await digest("ab", "c"), await digest("a", "bc"));
  assert.equal(await digest("a", new Uint8Array([98])), await digest("a", "b"));
});
