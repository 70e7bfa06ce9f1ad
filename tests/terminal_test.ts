/**
 * Task data never drives the terminal: control characters in summaries, descriptions, events,
 * errors and logs are escaped in every human renderer (piped and on a pty), and `logs` keeps the
 * task's own bytes when piped. Plus the readable human views of issue 12.18.
 */
import assert from "node:assert/strict";
import { type Home, withHome } from "./helpers.ts";
import { onTty } from "./tty.ts";

const OSC = "\\x1b]0;pwned\\x07"; // as written inside the task's JS source
const CLEAR = "\\x1b[2J";

function hostile(h: Home) {
  h.task(
    "evil",
    `{ description: "desc ${OSC} ${CLEAR}",
      run(_c, ctx) {
        ctx.event("step${CLEAR}", { msg: "ev ${OSC}" });
        console.log("log ${OSC} line ${CLEAR}");
        return { ok: true, summary: "sum ${OSC} ${CLEAR} \\u202egnp.exe" };
      } }`,
  );
}

function assertEscaped(out: string, what: string) {
  assert.ok(!out.includes("\x1b]"), `${what}: no raw OSC\n${JSON.stringify(out)}`);
  assert.ok(!out.includes("\x1b[2J"), `${what}: no raw clear-screen`);
  assert.ok(!out.includes("\x07"), `${what}: no raw BEL`);
  assert.ok(!out.includes("\u202e"), `${what}: no raw bidi override`);
}

Deno.test("human output escapes control characters from task data (piped and on a TTY)", async () => {
  await withHome(async (h) => {
    hostile(h);
    // Positive control: the raw bytes really are in the stored data.
    const j = await h.run(["--json", "run", "evil"]);
    assert.equal(j.code, 0, j.stderr);
    assert.ok(j.json.summary.includes("\x1b]0;pwned\x07"));
    const id = j.json.run_id;
    const views: [string, string[]][] = [
      ["run", ["run", "evil"]],
      ["status", ["status"]],
      ["status task", ["status", "evil"]],
      ["status --run-id", ["status", "--run-id", id]],
      ["list", ["list"]],
      ["runs", ["runs"]],
      ["describe", ["describe", "evil"]],
      ["events", ["events", id]],
      ["events --follow", ["events", id, "--follow"]],
      ["capabilities", ["capabilities"]],
      ["wait", ["wait", id]],
    ];
    for (const [what, args] of views) {
      const r = await h.run(args);
      assertEscaped(r.stdout + r.stderr, `${what} (piped)`);
      assert.match(r.stdout, /\\x1b/, `${what}: shows the escaped form\n${r.stdout}`);
    }
    for (const what of ["status", "runs", "list", "describe"]) {
      const t = await onTty(h, what === "describe" ? [what, "evil"] : [what]);
      assertEscaped(t, `${what} (tty)`);
      assert.match(t, /\\x1b/, `${what} on a tty shows the escaped form\n${t}`);
    }
  });
});

Deno.test("logs: escaped on a terminal, the task's own bytes when piped", async () => {
  await withHome(async (h) => {
    hostile(h);
    const id = (await h.run(["--json", "run", "evil"])).json.run_id;
    const piped = await h.run(["logs", id]);
    assert.ok(piped.stdout.includes("log \x1b]0;pwned\x07 line \x1b[2J"), "piped: raw bytes");
    const tty = await onTty(h, ["logs", id]);
    assertEscaped(tty, "logs (tty)");
    assert.ok(tty.includes("log \\x1b]0;pwned\\x07 line \\x1b[2J"), tty);
    const follow = await onTty(h, ["logs", id, "--follow"]);
    assertEscaped(follow, "logs --follow (tty)");
    assert.ok(follow.includes("\\x1b]0;pwned"), follow);
  });
});

Deno.test("an error message quoting task data is escaped on stderr", async () => {
  await withHome(async (h) => {
    h.task("boom", `{ description: "d", run() { throw new Error("bad ${OSC}"); } }`);
    const r = await h.run(["run", "boom"]);
    assert.equal(r.code, 1);
    assertEscaped(r.stdout + r.stderr, "run boom");
    assert.match(r.stdout + r.stderr, /bad \\x1b\]0;pwned\\x07/);
  });
});
