/** Human output: plain and ISO-8601 when piped, colour and relative times only on a TTY. */
import assert from "node:assert/strict";
import { MAIN, withHome } from "./helpers.ts";

function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

Deno.test("piped human output is plain: aligned table, ISO times, no ANSI", async () => {
  await withHome(async (h) => {
    h.task("hello", `{ description: "d", run: () => ({ ok: true, summary: "hi" }) }`);
    await h.run(["run", "hello"]);
    const r = await h.run(["status"], { env: { NO_COLOR: "" } });
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.includes("\x1b["), "no ANSI when piped");
    const lines = r.stdout.trimEnd().split("\n");
    assert.match(lines[0]!, /^TASK\s+STATUS\s+WHEN\s+DURATION\s+SUMMARY$/);
    const row = lines.find((l) => l.startsWith("hello"))!;
    assert.match(row, /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
    assert.equal(lines[0]!.indexOf("STATUS"), row.indexOf("succeeded"), "columns aligned");
  });
});

Deno.test("on a TTY: colour and relative times, and none with NO_COLOR", {
  ignore: !hasScript(),
}, async () => {
  await withHome(async (h) => {
    h.task("hello", `{ description: "d", run: () => ({ ok: true, summary: "hi" }) }`);
    await h.run(["run", "hello"]);
    const tty = (noColor: boolean) =>
      new Deno.Command("script", {
        args: ["-qec", `${Deno.execPath()} run -A ${MAIN} status`, "/dev/null"],
        env: { ...h.env, NO_COLOR: noColor ? "1" : "", TERM: "xterm" },
        stdout: "piped",
        stderr: "piped",
      }).output();
    const colored = new TextDecoder().decode((await tty(false)).stdout);
    assert.ok(colored.includes("\x1b[32msucceeded\x1b[0m"), colored);
    assert.match(colored, /\d+s ago|just now/);
    const plain = new TextDecoder().decode((await tty(true)).stdout);
    assert.ok(!plain.includes("\x1b["), "NO_COLOR disables colour on a TTY");
  });
});

Deno.test("a reader that closes stdout early (| head) gets no stack trace", async () => {
  await withHome(async (h) => {
    for (let i = 0; i < 120; i++) {
      h.task(
        `t${i}`,
        `{ description: "task ${i} ${"x".repeat(200)}", run: () => ({ ok: true, summary: "" }) }`,
      );
    }
    const out = await new Deno.Command("sh", {
      args: [
        "-c",
        `"${Deno.execPath()}" run -A "${MAIN}" --json capabilities | head -c 20 >/dev/null; echo "rc=\${PIPESTATUS:-0}"`,
      ],
      env: h.env,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.ok(!/BrokenPipe|Uncaught| {4}at /.test(stderr), stderr);
  });
});

Deno.test("--json output is compact when piped and still one document", async () => {
  await withHome(async (h) => {
    const r = await h.run(["--json", "status"]);
    assert.equal(r.stdout.trim().split("\n").length, 1);
    assert.equal(r.json.ok, true);
  });
});
