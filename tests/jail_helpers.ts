/** Shared by the jail attack tests: a command task in config YAML, a run as JSON, host processes. */
import assert from "node:assert/strict";
import type { Home } from "./helpers.ts";

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
