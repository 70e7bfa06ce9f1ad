/**
 * For tests/load_test.ts: calls the real CLI entry (`main(["--json", "status"])`) `rate` times
 * a second in this one process until `stopFile` exists. stdout gets one JSON document per call;
 * the last stderr line is `{"calls": n, "failed": n}` (calls that did not exit 0).
 */
import { main } from "../src/cli/main.ts";

const [stopFile, rateArg] = Deno.args;
const every = 1000 / Number(rateArg ?? 20);
let calls = 0;
let failed = 0;
const exists = (p: string) => {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
};
let next = performance.now();
while (!exists(stopFile!)) {
  calls++;
  if ((await main(["--json", "status"])) !== 0) failed++;
  next += every;
  const wait = next - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}
console.error(JSON.stringify({ calls, failed }));
