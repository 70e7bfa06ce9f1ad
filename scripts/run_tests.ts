/**
 * `deno task test`: runs `deno test` with NO_COLOR, streams its output, and ends with the
 * plain line `N passed, N failed` that CI reads. Exit code is deno test's.
 */
// Test files run one after another, not --parallel: parallel files share one process, and a
// fork in one can hold another's freshly written fake tool open (ETXTBSY, seen as exit 127).
// Sequential costs ~1.5 min instead of ~1 min on 2 cores, and no test is timing-flaky.
const args = ["test", "-A", "--no-prompt", ...Deno.args];
const child = new Deno.Command(Deno.execPath(), {
  args,
  env: { NO_COLOR: "1" },
  stdout: "piped",
  stderr: "inherit",
}).spawn();
let tail = "";
const dec = new TextDecoder();
for await (const chunk of child.stdout) {
  await Deno.stdout.write(chunk);
  tail = (tail + dec.decode(chunk, { stream: true })).slice(-4096);
}
const { code } = await child.status;
const m = /^(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/m.exec(tail);
console.log(m ? `${m[1]} passed, ${m[2]} failed` : `0 passed, 1 failed`);
Deno.exit(code);
