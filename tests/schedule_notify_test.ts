/** notify.on: missed and recovered, against a loopback stand-in for a Discord webhook. */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { until, withHome } from "./helpers.ts";
import { ledger } from "./schedule_helpers.ts";

const TOKEN = "a".repeat(68);

function webhook() {
  const bodies: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    bodies.push(await req.text());
    return Response.json({ id: "1" });
  });
  const port = (server.addr as Deno.NetAddr).port;
  return {
    bodies,
    url: `http://127.0.0.1:${port}/api/webhooks/42/${TOKEN}`,
    close: () => server.shutdown(),
  };
}

const notify = (on: string) =>
  `    notify:\n      on: [${on}]\n      timeout_seconds: 5\n      discord:\n        webhook_url_env: DISCORD_URL\n`;

Deno.test("notify on missed: the next slotted start reports the slots no start reached", async () => {
  const hook = webhook();
  try {
    await withHome(async (h) => {
      h.config(
        `tasks:\n  tick:\n    type: command\n    command: ["true"]\n    schedule: "*/2 * * * * *"\n${
          notify("missed")
        }`,
      );
      const env = { DISCORD_URL: hook.url };
      const first = await h.run(["--json", "run", "tick", "--slot", "auto"], { env });
      assertEquals(first.code, 0, first.stderr);
      assertEquals(hook.bodies.length, 0, "nothing missed yet: no message");
      const firstSlot = ledger(h, "tick")[0]!.slot;
      // Two slots pass with no start, then one starts.
      await until(() => Date.now() > Date.parse(firstSlot) + 6500, 10000, "slots to pass");
      const next = await h.run(["--json", "run", "tick", "--slot", "auto"], { env });
      assertEquals(next.code, 0, next.stderr);
      assertEquals(hook.bodies.length, 1, hook.bodies.join("\n"));
      const content = JSON.parse(hook.bodies[0]!).content as string;
      assert(/missed/.test(content) && /slot\(s\) missed before/.test(content), content);
    });
  } finally {
    await hook.close();
  }
});

Deno.test("notify on recovered: the first success after a failure, once", async () => {
  const hook = webhook();
  try {
    await withHome(async (h) => {
      const mark = `${h.dir}/mark`;
      Deno.mkdirSync(mark);
      h.config(
        `tasks:\n  flaky:\n    type: command\n    command: ["sh", "-c", "test -e ${mark}/ok"]\n    exec: [sh, test]\n    reads: ["${mark}"]\n${
          notify("recovered")
        }`,
      );
      const env = { DISCORD_URL: hook.url };
      const run = () => h.run(["--json", "run", "flaky"], { env });
      assertEquals((await run()).code, 1);
      assertEquals(hook.bodies.length, 0, "a failure is not `recovered`");
      Deno.writeTextFileSync(`${mark}/ok`, "");
      assertEquals((await run()).code, 0);
      assertEquals(hook.bodies.length, 1, "the first success after it is");
      assert((JSON.parse(hook.bodies[0]!).content as string).includes("succeeded"));
      assertEquals((await run()).code, 0);
      assertEquals(hook.bodies.length, 1, "a success after a success is not");
    });
  } finally {
    await hook.close();
  }
});
