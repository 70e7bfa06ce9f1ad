import assert from "node:assert/strict";
import { COMMANDS } from "./table.ts";

Deno.test("every command in the table loads a module with a run function", async () => {
  for (const def of COMMANDS) {
    const mod = await def.load();
    assert.equal(typeof mod.run, "function", def.name);
    if (mod.render !== undefined) assert.equal(typeof mod.render, "function", def.name);
  }
});
