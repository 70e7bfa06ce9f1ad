/**
 * Hooks always run (issue 14.12): 70 KB of task output or a 153 KB summary made
 * DOCKET_DETAILS_JSON / DOCKET_SUMMARY exceed the kernel's per-variable limit (E2BIG), so
 * every hook failed with "Argument list too long".
 */
import assert from "node:assert/strict";
import { exists, withHome } from "./helpers.ts";

const hookScript = (out: string) =>
  `cp \\"$DOCKET_DETAILS_FILE\\" ${out}.file; printf '%s' \\"$DOCKET_DETAILS_JSON\\" > ${out}.json; ` +
  `printf '%s' \\"$DOCKET_SUMMARY\\" > ${out}.summary`;

Deno.test("hooks run with 70 KB of output or a 153 KB summary: bounded variables, full details in DOCKET_DETAILS_FILE", async () => {
  await withHome(async (h) => {
    const out = `${h.dir}/h`;
    h.task(
      "big",
      `{ description: "Big summary", run: () => ({ ok: true, summary: "S".repeat(153 * 1024) + "END", details: { n: 1 } }) }`,
    );
    h.config(`tasks:
  loud:
    command: ["sh", "-c", "head -c 71680 /dev/zero | tr '\\\\0' x; head -c 71680 /dev/zero | tr '\\\\0' y >&2"]
    on_success: "${hookScript(`${out}-loud`)}"
  big:
    on_success: "${hookScript(`${out}-big`)}"
  small:
    command: ["echo", "hi"]
    on_success: "${hookScript(`${out}-small`)}"
`);
    const loud = await h.run(["--json", "run", "loud"]);
    assert.equal(loud.json.status, "succeeded", loud.stdout.slice(0, 300));
    assert.equal(loud.json.hooks[0].ok, true, JSON.stringify(loud.json.hooks[0]));
    const full = JSON.parse(Deno.readTextFileSync(`${out}-loud.file`));
    assert.deepEqual(full, loud.json.details, "the file holds the whole details");
    assert.ok(JSON.stringify(full).length > 128 * 1024, "over the kernel's per-variable limit");
    const bounded = JSON.parse(Deno.readTextFileSync(`${out}-loud.json`));
    assert.equal(bounded.docket_truncated, true);
    assert.equal(bounded.bytes, new TextEncoder().encode(JSON.stringify(full)).length);
    assert.ok(!exists(bounded.details_file), "the details file is removed after the hook");

    const big = await h.run(["--json", "run", "big"]);
    assert.equal(big.json.status, "succeeded");
    assert.equal(big.json.summary.length, 153 * 1024 + 3, "the stored summary is whole");
    assert.equal(big.json.hooks[0].ok, true, JSON.stringify(big.json.hooks[0]));
    const summary = Deno.readTextFileSync(`${out}-big.summary`);
    assert.ok(summary.length <= 32 * 1024, `${summary.length}`);
    assert.match(summary, /^S+ …\[truncated by docket: 156675 bytes in all\]$/);
    assert.deepEqual(JSON.parse(Deno.readTextFileSync(`${out}-big.json`)), { n: 1 });

    // Positive control: small values pass whole, and the file matches the variable.
    const small = await h.run(["--json", "run", "small"]);
    assert.equal(small.json.hooks[0].ok, true);
    const vr = Deno.readTextFileSync(`${out}-small.json`);
    assert.deepEqual(JSON.parse(vr), small.json.details);
    assert.equal(Deno.readTextFileSync(`${out}-small.file`), vr);
    assert.equal(Deno.readTextFileSync(`${out}-small.summary`), small.json.summary);
  });
});
