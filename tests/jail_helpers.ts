/** Shared by the jail attack tests: a command task in config YAML, a run as JSON, host processes. */
import assert from "node:assert/strict";
import { type Home, until } from "./helpers.ts";

export function command(name: string, sh: string, extra = ""): string {
  return `  ${name}:\n    type: command\n    command: ["sh", "-c", ${
    JSON.stringify(sh)
  }]\n${extra}`;
}

export async function runJson(h: Home, task: string) {
  const r = await h.run(["--json", "run", task]);
  assert.ok(r.json?.details, `${r.stdout}\n${r.stderr}`);
  return r.json;
}

export const ROOT = Deno.uid() === 0;

/** Processes whose argv contains `token` and are not zombies (host view of /proc). */
export function withArg(token: string): number[] {
  const out: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const argv = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      const st = Deno.readTextFileSync(`/proc/${e.name}/stat`);
      if (argv.includes(token) && st.slice(st.lastIndexOf(")") + 2)[0] !== "Z") {
        out.push(Number(e.name));
      }
    } catch {
      // gone
    }
  }
  return out;
}

/**
 * Starts `task` async, SIGSTOPs its runner once the process marked `arg` runs, and waits for the
 * jail's own deadline to end that process while the runner cannot act; the run then does not
 * end `succeeded`.
 */
export async function frozenRunnerDeadline(h: Home, task: string, arg: string): Promise<void> {
  const r = await h.run(["--json", "run", task, "--async"]);
  assert.equal(r.json.status, "running", JSON.stringify(r.json));
  const runner = r.json.pid as number;
  await until(() => withArg(arg).length > 0, 10000, "the task to start");
  Deno.kill(runner, "SIGSTOP");
  try {
    await until(() => withArg(arg).length === 0, 15000, "the jail's deadline to end the task");
  } finally {
    Deno.kill(runner, "SIGCONT");
  }
  const w = await h.run(["--json", "wait", r.json.run_id, "--timeout", "20"]);
  assert.notEqual(w.json.status, "succeeded", JSON.stringify(w.json));
}
