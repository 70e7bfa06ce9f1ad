/**
 * `docket ui` against the 1,000,000-run home: server time (its `Server-Timing: app;dur=`)
 * of the overview `/` and a task page `/tasks/task0`, and of the page 1000 runs back
 * (`?before=`), over `reps` requests each after one warm-up. Target: ≤ 300 ms each.
 */
import type { Home } from "./homes.ts";
import { median, round } from "./measure.ts";

export interface UiFigure {
  reps: number;
  target_ms: number;
  overview_ms: number;
  task_ms: number;
  task_deep_ms: number;
  met: boolean;
  error?: string;
}

async function serverMs(url: string): Promise<number> {
  const r = await fetch(url);
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`${url}: HTTP ${r.status}`);
  const m = /app;dur=([\d.]+)/.exec(r.headers.get("server-timing") ?? "");
  if (!m) throw new Error(`${url}: no Server-Timing`);
  return Number(m[1]);
}

export async function uiFigure(home: Home, reps = 15): Promise<UiFigure> {
  const c = home.docket("--json", "ui", "--port", "0");
  const child = new Deno.Command(c.cmd, {
    args: c.args,
    env: c.env,
    ...(c.cwd ? { cwd: c.cwd } : {}),
    clearEnv: true,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let buf = "";
    while (!buf.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`docket ui exited: ${buf}`);
      buf += value;
    }
    const url = JSON.parse(buf.split("\n")[0]!).url as string;
    const older = await (await fetch(`${url}api/runs?task=task0&limit=1000`)).json();
    const deep = older.runs.at(-1).run_id as string;
    const time = async (path: string) => {
      await serverMs(url + path);
      const xs: number[] = [];
      for (let i = 0; i < reps; i++) xs.push(await serverMs(url + path));
      return round(median(xs), 1);
    };
    const overview_ms = await time("");
    const task_ms = await time("tasks/task0");
    const task_deep_ms = await time(`tasks/task0?before=${deep}`);
    return {
      reps,
      target_ms: 300,
      overview_ms,
      task_ms,
      task_deep_ms,
      met: Math.max(overview_ms, task_ms, task_deep_ms) <= 300,
    };
  } catch (e) {
    return {
      reps,
      target_ms: 300,
      overview_ms: NaN,
      task_ms: NaN,
      task_deep_ms: NaN,
      met: false,
      error: (e as Error).message,
    };
  } finally {
    child.kill("SIGTERM");
    await child.status;
    await reader.cancel().catch(() => {});
  }
}
