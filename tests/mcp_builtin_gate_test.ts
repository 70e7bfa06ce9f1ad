/**
 * Built-ins tell the truth about writing, and the MCP gate acts on it: hbackup writes an
 * archive, so without --allow-destructive it is refused and nothing is written (issue 14.4).
 */
import assert from "node:assert/strict";
import { exists, type Home } from "./helpers.ts";
import { type Json, withServer } from "./mcp_helpers.ts";
import { fakeHbackupCalls, writeFakeHbackup } from "../tasks/lib/test_support.ts";

function setup(h: Home, section: string) {
  Deno.mkdirSync(`${h.dir}/bin`);
  Deno.mkdirSync(`${h.dir}/home`);
  writeFakeHbackup(`${h.dir}/bin`);
  h.config(section.replaceAll("$H", h.dir));
}

/** Keeps Deno's cache when HOME moves (Deno would otherwise fetch npm packages again). */
const DENO_DIR = Deno.env.get("DENO_DIR") ?? `${Deno.env.get("HOME") ?? "/root"}/.cache/deno`;
const env = (h: Home) => ({
  PATH: `${h.dir}/bin:${Deno.env.get("PATH")}`,
  HOME: `${h.dir}/home`,
  DENO_DIR,
});

const CASES = [
  ["hbackup", "tasks:\n  hbackup:\n    action: backup\n    output: $H/out/x.tar.zst\n"],
  [
    "backup",
    "tasks:\n  backup:\n    tool: hbackup\n    hbackup_command: backup\n    output: $H/out/x.tar.zst\n",
  ],
] as const;

for (const [task, section] of CASES) {
  Deno.test(`mcp: ${task} writing an hbackup archive is destructive: refused without --allow-destructive, nothing written`, async () => {
    await withServer(
      (h) => setup(h, section),
      async (s, h) => {
        const list = await s.call("list_tasks");
        const t = list.structuredContent.tasks.find((x: Json) => x.name === task);
        assert.equal(t.destructive, true);
        assert.equal(t.mcp.allowed, false);
        assert.ok(t.permissions.write.includes(`${h.dir}/out`), JSON.stringify(t.permissions));
        const r = await s.call("run_task", { task });
        assert.equal(r.isError, true, JSON.stringify(r.structuredContent));
        assert.equal(r.structuredContent.error.kind, "permission_denied");
        assert.deepEqual(fakeHbackupCalls(`${h.dir}/bin`), [], "hbackup never ran");
        assert.equal(exists(`${h.dir}/out/x.tar.zst`), false, "no archive written");
      },
      [],
      env,
    );
  });

  Deno.test(`mcp: ${task} writing an hbackup archive runs with --allow-destructive (positive control)`, async () => {
    await withServer(
      (h) => setup(h, section),
      async (s, h) => {
        const r = await s.call("run_task", { task });
        assert.equal(r.isError, undefined, JSON.stringify(r.structuredContent));
        assert.equal(r.structuredContent.status, "succeeded");
        assert.equal(r.structuredContent.details.archive_path, `${h.dir}/out/x.tar.zst`);
        assert.ok(exists(`${h.dir}/out/x.tar.zst`), "the archive was written");
      },
      ["--allow-destructive"],
      env,
    );
  });
}

Deno.test("mcp: hbackup list reads only: not destructive, runs without --allow-destructive", async () => {
  await withServer(
    (h) => setup(h, "tasks:\n  hbackup:\n    action: list\n"),
    async (s, h) => {
      const r = await s.call("run_task", { task: "hbackup" });
      assert.equal(r.isError, undefined, JSON.stringify(r.structuredContent));
      // The fake ran `list` in the jail (its reply parsed into the result); read-only, it may
      // write nothing, not even its own argv log beside itself.
      const d = r.structuredContent.details;
      assert.deepEqual(
        d.steps.filter((st: Json) => st.executed).map((st: Json) => st.command.slice(1)),
        [["list"]],
      );
      assert.match(r.structuredContent.summary, /^No backups found/);
      assert.deepEqual(fakeHbackupCalls(`${h.dir}/bin`), [], "list writes nothing");
    },
    [],
    env,
  );
});
