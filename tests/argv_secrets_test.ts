/**
 * Credentials in a command line are masked wherever a task is described (issue 14.15). The
 * child's argv (`child_argv`, added with the OS sandbox) carried them unmasked through
 * `describe`, `capabilities` and MCP `list_tasks`/`describe_task`; and `-u user:pw`, an
 * `env PGPASSWORD=…` prefix, `X-Api-Key:`/`Cookie:` headers and `?access_token=` were not
 * recognised at all. The run itself still gets the real values.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { withHome } from "./helpers.ts";
import { connect } from "./mcp_helpers.ts";

const SECRETS = [
  "Sx1pw-curl",
  "Sx2pw-url",
  "Sx3pw-header",
  "Sx4pw-query",
  "Sx5pw-envpfx",
  "Sx6pw-cookie",
  "Sx7pw-flag",
];
const ARGS = [
  "-u",
  `admin:${SECRETS[0]}`,
  `https://bob:${SECRETS[1]}@example.com/x`,
  "-H",
  `X-Api-Key: ${SECRETS[2]}`,
  `https://e.example/?access_token=${SECRETS[3]}&page=2`,
  `PGPASSWORD=${SECRETS[4]}`,
  `Cookie: session=${SECRETS[5]}`,
  "--password",
  SECRETS[6]!,
];
const HASH = createHash("sha256").update(ARGS.join(" ")).digest("hex");

Deno.test("describe, capabilities and MCP never show a command line's credentials; the run gets them", async () => {
  await withHome(async (h) => {
    const script = `printf %s "$*" | sha256sum | grep -q ${HASH}`;
    h.config(
      `tasks:\n  creds:\n    type: command\n    command: /bin/sh\n    args: ${
        JSON.stringify(["-c", script, "sh", ...ARGS])
      }\n`,
    );
    const docs: Record<string, string> = {
      describe: (await h.run(["--json", "describe", "creds"])).stdout,
      "describe (human)": (await h.run(["describe", "creds"])).stdout,
      capabilities: (await h.run(["--json", "capabilities"])).stdout,
    };
    const s = await connect(h);
    try {
      docs.list_tasks = JSON.stringify(await s.call("list_tasks"));
      docs.describe_task = JSON.stringify(await s.call("describe_task", { task: "creds" }));
    } finally {
      await s.client.close();
    }
    for (const [where, text] of Object.entries(docs)) {
      // Positive control: the document does describe the command line.
      assert.match(text, /example\.com/, `${where} shows the task's argv`);
      for (const v of SECRETS) assert.ok(!text.includes(v), `${where} leaks ${v}`);
    }
    const verbose = await h.run(["-v", "run", "creds"]);
    assert.match(verbose.stderr, /example\.com/, "run -v prints the child's argv");
    for (const v of SECRETS) assert.ok(!verbose.stderr.includes(v), `run -v leaks ${v}`);
    const r = await h.run(["--json", "run", "creds"]);
    assert.equal(r.json.status, "succeeded", `the child got the real values: ${r.stdout}`);
    for (const v of SECRETS) assert.ok(!r.stdout.includes(v), `the result leaks ${v}`);
  });
});
