import { deepStrictEqual as eq, ok, rejects } from "node:assert/strict";
import {
  type ByteSink,
  formatArgv,
  LineSplitter,
  runTool,
  TailBuffer,
  ToolMissingError,
} from "./tool_process.ts";

const enc = new TextEncoder();

function recorder(): ByteSink & { text(): string; times: number[] } {
  const chunks: Uint8Array[] = [];
  const times: number[] = [];
  return {
    times,
    write(p) {
      chunks.push(p.slice());
      times.push(performance.now());
      return Promise.resolve(p.length);
    },
    text: () => chunks.map((c) => new TextDecoder().decode(c)).join(""),
  };
}

Deno.test("runTool tees stdout and stderr to the sinks unchanged, \\r included", async () => {
  const out = recorder();
  const err = recorder();
  const run = await runTool({
    cmd: "bash",
    args: ["-c", "printf 'a\\rb\\rc\\n'; printf 'oops\\n' >&2; exit 3"],
    stdoutSink: out,
    stderrSink: err,
  });
  eq(out.text(), "a\rb\rc\n");
  eq(err.text(), "oops\n");
  eq(run.code, 3);
  eq(run.signal, null);
  eq(run.stdoutTail, "a\rb\rc\n");
  eq(run.stderrTail, "oops\n");
  eq(run.argv[0], "bash");
});

Deno.test("runTool passes output on as it arrives, before the tool exits", async () => {
  const out = recorder();
  const started = performance.now();
  const run = await runTool({
    cmd: "bash",
    args: ["-c", "printf 'first'; sleep 0.6; printf 'second'"],
    stdoutSink: out,
    stderrSink: recorder(),
  });
  const ended = started + run.durationMs;
  ok(out.times.length >= 2, "two separate writes");
  ok(ended - out.times[0]! >= 400, "the first bytes were written well before the end");
});

Deno.test("runTool reports each line, split on \\n and \\r, to onLine", async () => {
  const lines: string[] = [];
  await runTool({
    cmd: "bash",
    args: ["-c", "printf 'one\\rtwo\\r\\nthree\\nfour'; printf 'e1\\n' >&2"],
    stdoutSink: recorder(),
    stderrSink: recorder(),
    onLine: (s, l) => lines.push(`${s}:${l}`),
  });
  eq(lines.filter((l) => l.startsWith("stdout:")), [
    "stdout:one",
    "stdout:two",
    "stdout:three",
    "stdout:four",
  ]);
  eq(lines.filter((l) => l.startsWith("stderr:")), ["stderr:e1"]);
});

Deno.test("runTool keeps only a bounded tail of a long output", async () => {
  const run = await runTool({
    cmd: "bash",
    args: ["-c", "for i in $(seq 1 5000); do echo line-$i; done"],
    stdoutSink: recorder(),
    stderrSink: recorder(),
    tailBytes: 100,
  });
  ok(run.stdoutTail.length <= 100);
  ok(run.stdoutTail.endsWith("line-5000\n"));
  ok(run.stdoutBytes > 40000);
});

Deno.test("runTool throws ToolMissingError for a program that does not exist", async () => {
  await rejects(
    runTool({ cmd: "docket-no-such-tool-xyz", args: [] }),
    (e: unknown) => e instanceof ToolMissingError && /not installed or not on PATH/.test(e.message),
  );
});

Deno.test("runTool: aborting the signal ends the tool with SIGTERM", async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 200);
  const run = await runTool({
    cmd: "sleep",
    args: ["30"],
    signal: ac.signal,
    stdoutSink: recorder(),
    stderrSink: recorder(),
  });
  eq(run.code, null);
  eq(run.signal, "SIGTERM");
  ok(run.durationMs < 5000);
});

Deno.test("runTool does not start a tool when the signal is already aborted", async () => {
  const ac = new AbortController();
  ac.abort(new Error("cancelled"));
  await rejects(runTool({ cmd: "true", args: [], signal: ac.signal }), /cancelled/);
});

Deno.test("runTool rethrows NotCapable for a program outside the --allow-run grant", async () => {
  const code = `import { runTool } from ${
    JSON.stringify(new URL("./tool_process.ts", import.meta.url).href)
  };
try { await runTool({ cmd: "true", args: [] }); console.log("started"); }
catch (e) { console.log(e.constructor.name); }`;
  const file = Deno.makeTempFileSync({ suffix: ".ts" });
  Deno.writeTextFileSync(file, code);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--allow-read", "--allow-run=echo", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  Deno.removeSync(file);
  eq(new TextDecoder().decode(out.stdout).trim(), "NotCapable");
});

Deno.test("TailBuffer keeps the last bytes across chunk boundaries", () => {
  const t = new TailBuffer(5);
  for (const s of ["abc", "defg", "hi"]) t.push(enc.encode(s));
  eq(t.text(), "efghi");
  eq(t.total, 9);
  t.push(enc.encode("0123456789"));
  eq(t.text(), "56789");
});

Deno.test("LineSplitter joins a line split across chunks and a split \\r\\n", () => {
  const lines: string[] = [];
  const s = new LineSplitter((l) => lines.push(l));
  for (const part of ["ab", "c\r", "\nde", "f\rg"]) s.push(enc.encode(part));
  s.end();
  eq(lines.filter((l) => l !== ""), ["abc", "def", "g"]);
});

Deno.test("formatArgv quotes only what a shell would need quoted", () => {
  eq(formatArgv(["rclone", "sync", "/a b", "r:x", "it's"]), `rclone sync '/a b' r:x 'it'\\''s'`);
});
