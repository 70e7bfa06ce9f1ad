/**
 * Bad input suite: ≥ 200 generated broken configs, hostile CLI arguments and hostile task
 * output. Broken input always ends in a clear error (never a stack trace), writes nothing, and
 * docket's memory stays bounded however much a task prints.
 */
import assert from "node:assert/strict";
import { validateConfigText } from "../src/config/validate.ts";
import { DocketError } from "../src/core/errors.ts";
import { badConfigs, VALID_TEXT } from "./bad_configs.ts";
import { exists, type Home, withHome } from "./helpers.ts";

const AT = { path: "/nonexistent/docket/config.yaml", home: "/nonexistent/docket", exists: true };
const STACK = /\n\s+at .*:\d+/;

Deno.test("≥ 200 generated broken configs are each config_invalid with a message", async () => {
  await validateConfigText(VALID_TEXT, AT); // the mutated original is valid
  const all = badConfigs();
  assert.ok(all.length >= 200, `only ${all.length} broken configs`);
  const accepted: string[] = [];
  for (const b of all) {
    let err: unknown;
    try {
      await validateConfigText(b.text, AT);
    } catch (e) {
      err = e;
    }
    if (err === undefined) {
      accepted.push(b.label);
      continue;
    }
    assert.ok(err instanceof DocketError, `${b.label}: threw ${String(err).slice(0, 300)}`);
    assert.equal(err.kind, "config_invalid", `${b.label}: ${err.message}`);
    assert.ok(err.message.length > 20 && err.message.length < 2000, `${b.label}: ${err.message}`);
    assert.ok(err.message.includes(AT.path), `${b.label}: message must name the file`);
    assert.doesNotMatch(err.message, STACK, b.label);
  }
  assert.deepEqual(accepted, [], "broken configs that were accepted");
});

/** Lists every file under a dir (relative paths), to prove nothing was written. */
function tree(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(dir)) {
    out.push(prefix + e.name);
    if (e.isDirectory) out.push(...tree(`${dir}/${e.name}`, `${prefix}${e.name}/`));
  }
  return out.sort();
}

Deno.test("broken configs through the CLI: exit 1, config_invalid, no stack trace, nothing written", async () => {
  const all = badConfigs();
  // A spread sample: every 20th mutation (wrong types, syntax, unicode, duplicates…).
  const sample = all.filter((_, i) => i % 20 === 7);
  assert.ok(sample.length >= 15);
  await withHome(async (h) => {
    const before = ["config.yaml", "tasks"];
    for (const [i, b] of sample.entries()) {
      h.config(b.text);
      const json = i % 2 === 0;
      const args = i % 3 === 0 ? ["run", "hello"] : i % 3 === 1 ? ["status"] : ["list"];
      const r = await h.run(json ? ["--json", ...args] : args);
      assert.equal(r.code, 1, `${b.label}: ${r.stdout}${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, STACK, b.label);
      if (json) {
        assert.equal(r.json.ok, false);
        assert.equal(r.json.error.kind, "config_invalid", b.label);
        assert.ok(r.json.error.message, b.label);
      } else {
        assert.match(r.stderr, /^error: (Cannot parse config|Config ".*" is invalid)/, b.label);
        assert.equal(r.stdout, "");
      }
      assert.deepEqual(tree(h.dir), before, `${b.label}: nothing may be written`);
    }
  });
});

Deno.test("hostile CLI arguments give usage / task_not_found / run_not_found errors", async () => {
  await withHome(async (h) => {
    const mark = `${h.dir}/MARK`;
    h.task("hello", `{ description: "d", run: () => ({ ok: true, summary: "ran" }) }`);
    const cases: [string[], string][] = [
      [["run", "hello", "--bogus"], "usage"],
      [["--nope", "status"], "usage"],
      [["status", "--run-id"], "usage"],
      [["run"], "usage"],
      [["status", "a", "b"], "usage"],
      [["logs", "--tail", "5"], "usage"],
      [["status", "--run-id", "../../etc/passwd"], "usage"],
      [["wait", "../../etc/passwd"], "usage"],
      [["logs", "../../etc/passwd"], "usage"],
      [["events", "/etc/passwd"], "usage"],
      [["cancel", "../../etc/passwd"], "usage"],
      [["logs", "20260101T000000000000Z-deadbeef"], "run_not_found"],
      [["run", "'; rm -rf /'"], "task_not_found"],
      [["run", `$(touch ${mark})`], "task_not_found"],
      [["describe", `\`touch ${mark}\``], "task_not_found"],
      [["run", "hello; touch " + mark], "task_not_found"],
      [["run", "../tasks/hello"], "task_not_found"],
      [["run", "./hello"], "task_not_found"],
      [["status", "x/../hello"], "task_not_found"],
      [["run", "\x1b[2Jred"], "task_not_found"],
      [["run", "x".repeat(10000)], "task_not_found"],
    ];
    for (const [args, kind] of cases) {
      const r = await h.run(["--json", ...args]);
      const label = JSON.stringify(args).slice(0, 120);
      assert.equal(r.code, 1, label);
      assert.equal(r.json.error.kind, kind, `${label}: ${r.stdout}`);
      assert.ok(r.json.error.message.length < 400, label);
      assert.doesNotMatch(r.stdout + r.stderr, STACK, label);
    }
    // Human mode never prints a raw control character.
    const r = await h.run(["run", "\x1b[2Jred"]);
    assert.ok(!r.stderr.includes("\x1b"), r.stderr);
    assert.ok(!exists(mark), "no shell ever ran the argument");
    const runs = await h.run(["--json", "runs"]);
    assert.deepEqual(runs.json.runs, [], "no run was started under a bogus name");
  });
});

/** Peak RSS (VmHWM, kB) of a process while it runs, sampled from /proc. */
async function peakRss(child: Deno.ChildProcess): Promise<number> {
  let peak = 0;
  let done = false;
  const status = child.status.then((s) => {
    done = true;
    return s;
  });
  while (!done) {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync(`/proc/${child.pid}/status`));
      if (m) peak = Math.max(peak, Number(m[1]));
    } catch {
      // gone
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await status;
  return peak;
}

async function runMeasured(h: Home, task: string) {
  const child = h.spawn(["--json", "run", task]);
  const [peak, out] = await Promise.all([peakRss(child), child.output()]);
  return { peak, code: out.code, json: JSON.parse(new TextDecoder().decode(out.stdout)) };
}

Deno.test("hostile task output: bad JSON, binary, a 20 MB line, 200 MB — bounded memory, log kept", async () => {
  await withHome(async (h) => {
    const bin = `${h.dir}/bin.out`;
    const big = (n: number) => `head -c ${n} /dev/zero | tr '\\\\0' a`;
    h.config(`tasks:
  badjson:
    command: ["sh", "-c", "echo '{\\"a\\": 1,'"]
    output_format: json
  binary:
    command: ["sh", "-c", "head -c 300000 /dev/urandom | tee ${bin}"]
    destructive: true
    writes: ["${bin}"]
  binaryjsonl:
    command: ["sh", "-c", "head -c 3000 /dev/urandom; echo; echo '{\\"type\\":\\"after\\"}'"]
    output_format: jsonl
  linetext:
    command: ["sh", "-c", "${big(20_000_000)}"]
  linejsonl:
    command: ["sh", "-c", "${big(20_000_000)}; echo; echo '{\\"type\\":\\"after\\"}'"]
    output_format: jsonl
  linejson:
    command: ["sh", "-c", "${big(20_000_000)}"]
    output_format: json
  flood:
    command: ["sh", "-c", "yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c 200000000"]
  small:
    command: ["sh", "-c", "echo hi; sleep 0.3"]
`);
    const bad = await h.run(["--json", "run", "badjson"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.error.kind, "task_failed");
    assert.match(bad.json.error.message, /stdout is not valid JSON/);
    assert.equal(Deno.readTextFileSync(bad.json.log_path), '{"a": 1,\n');

    const b = await h.run(["--json", "run", "binary"]);
    assert.equal(b.json.status, "succeeded", b.stdout.slice(0, 500));
    assert.deepEqual(
      Deno.readFileSync(b.json.log_path),
      Deno.readFileSync(bin),
      "log is byte-exact",
    );
    assert.equal(typeof b.json.details.stdout, "string");
    assert.equal(b.json.details.stdout_truncated, true);

    const bj = await h.run(["--json", "run", "binaryjsonl"]);
    assert.equal(bj.json.error.kind, "task_failed");
    assert.match(bj.json.error.message, /not a JSON object/);
    assert.equal(bj.json.details.event_count, 1, "the valid line after the junk is an event");

    const base = await runMeasured(h, "small");
    const results: Record<string, { peak: number; json: any }> = {};
    for (const t of ["linetext", "linejsonl", "linejson", "flood"]) {
      const r = await runMeasured(h, t);
      results[t] = r;
      // Keeping the output in memory would cost ≥ its size (20 / 200 MB) over the baseline.
      assert.ok(
        r.peak < base.peak + 120_000,
        `${t}: peak RSS ${r.peak} kB vs ${base.peak} kB for a tiny task`,
      );
    }
    const lt = results.linetext!.json;
    assert.equal(lt.status, "succeeded");
    assert.equal(lt.details.stdout.length, 64 * 1024);
    assert.equal(Deno.statSync(lt.log_path).size, 20_000_000, "the log keeps the whole line");
    const lj = results.linejsonl!.json;
    assert.equal(lj.status, "failed");
    assert.match(lj.error.message, /a line longer than 16777216 bytes/);
    assert.equal(lj.details.event_count, 1, "the line after the long one is still an event");
    assert.equal(Deno.statSync(lj.log_path).size, 20_000_000 + 1 + 17);
    const js = results.linejson!.json;
    assert.equal(js.status, "failed");
    assert.match(js.error.message, /too large to parse as JSON.*see the log/);
    const fl = results.flood!.json;
    assert.equal(fl.status, "succeeded");
    assert.equal(Deno.statSync(fl.log_path).size, 200_000_000, "the log keeps all 200 MB");
    assert.equal(fl.details.stdout_truncated, true);
    for (const r of Object.values(results)) Deno.removeSync(r.json.log_path);
  });
});
