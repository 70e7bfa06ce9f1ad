import assert from "node:assert/strict";
import { jailCaps, jailNeedsUserNs } from "./caps.ts";

const INIT = "user:[4026531837]";

Deno.test("jailCaps: root keeps only the file/user capabilities; none without caps", () => {
  const root = "Name:\tx\nCapEff:\t000001ffffffffff\n";
  assert.deepEqual(jailCaps(root, INIT), [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_FSETID",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
  ]);
  assert.deepEqual(jailCaps("CapEff:\t0000000000000000\n", INIT), []);
  assert.deepEqual(jailCaps("garbage", INIT), []);
});

Deno.test("jailCaps: CAP_DAC_READ_SEARCH only outside the initial user namespace, and only held ones", () => {
  // A unit's bounding set: SETFCAP CHOWN DAC_READ_SEARCH FOWNER FSETID.
  const unit = `CapEff:\t${((1n << 31n) | 1n | 4n | 8n | 16n).toString(16).padStart(16, "0")}\n`;
  assert.deepEqual(jailCaps(unit, "user:[4026532999]"), [
    "CAP_CHOWN",
    "CAP_DAC_READ_SEARCH",
    "CAP_FOWNER",
    "CAP_FSETID",
  ]);
  assert.deepEqual(jailCaps(unit, INIT), ["CAP_CHOWN", "CAP_FOWNER", "CAP_FSETID"]);
});

Deno.test("jailNeedsUserNs: only root without CAP_SYS_ADMIN outside the initial user namespace", () => {
  const setfcap = "CapEff:\t0000000080000000\n";
  const full = "CapEff:\t000001ffffffffff\n";
  assert.equal(jailNeedsUserNs(setfcap, "user:[4026532999]", 0), true, "a PrivateUsers root unit");
  assert.equal(jailNeedsUserNs(setfcap, INIT, 0), false, "a copy-as-root unit keeps its caps");
  assert.equal(jailNeedsUserNs(full, "user:[4026532999]", 0), false);
  assert.equal(jailNeedsUserNs(full, INIT, 0), false, "plain root");
  assert.equal(jailNeedsUserNs(setfcap, "user:[4026532999]", 1000), false, "bwrap does it itself");
});
