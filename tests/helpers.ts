/** Black-box test helpers: the real `docket` (deno run -A main.ts) in a temporary DOCKET_HOME. */
const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
export const MAIN = `${ROOT}/main.ts`;
export const TASK_API = `${ROOT}/task.ts`;

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

export class Home {
  readonly dir: string;
  readonly env: Record<string, string>;

  /** `base`: the folder to create the home in (default the system temp dir). */
  constructor(base?: string) {
    this.dir = Deno.makeTempDirSync({ prefix: "docket-test-", ...(base ? { dir: base } : {}) });
    Deno.mkdirSync(`${this.dir}/tasks`);
    this.env = { DOCKET_HOME: this.dir, NO_COLOR: "1" };
  }

  get stateDb(): string {
    return `${this.dir}/state.db`;
  }

  config(yaml: string): this {
    Deno.writeTextFileSync(`${this.dir}/config.yaml`, yaml);
    return this;
  }

  /** Writes a drop-in task module; `body` is the object literal passed to defineTask. */
  task(name: string, body: string, prelude = ""): string {
    const path = `${this.dir}/tasks/${name}.ts`;
    Deno.writeTextFileSync(
      path,
      `import { defineTask } from "file://${TASK_API}";\n${prelude}\nexport default defineTask(${body});\n`,
    );
    return path;
  }

  async run(
    args: string[],
    opts: { env?: Record<string, string>; stdin?: string } = {},
  ): Promise<Result> {
    const cmd = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, ...args],
      env: { ...this.env, ...(opts.env ?? {}) },
      stdin: opts.stdin !== undefined ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    });
    const child = cmd.spawn();
    if (opts.stdin !== undefined) {
      const w = child.stdin.getWriter();
      await w.write(new TextEncoder().encode(opts.stdin));
      await w.close();
    }
    const out = await child.output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    let json: unknown = undefined;
    if (args.includes("--json")) {
      try {
        json = JSON.parse(stdout);
      } catch {
        throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr:\n${stderr}`);
      }
    }
    return { code: out.code, stdout, stderr, json };
  }

  /** Starts docket without waiting (for signals and async tests). */
  spawn(args: string[], opts: { env?: Record<string, string> } = {}): Deno.ChildProcess {
    return new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, ...args],
      env: { ...this.env, ...(opts.env ?? {}) },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  }

  cleanup(): void {
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch {
      // already gone
    }
  }
}

/** Runs `fn` with a fresh home, always cleaned up. */
export async function withHome(fn: (h: Home) => Promise<void>): Promise<void> {
  const h = new Home();
  try {
    await fn(h);
  } finally {
    h.cleanup();
  }
}

/** A loopback HTTP server that counts requests. */
export function loopbackServer(): { port: number; hits: string[]; close: () => Promise<void> } {
  const hits: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    hits.push(`${req.method} ${new URL(req.url).pathname}`);
    return new Response("hi");
  });
  return {
    port: (server.addr as Deno.NetAddr).port,
    hits,
    close: () => server.shutdown(),
  };
}

/** Polls `cond` until true or the deadline passes (no fixed sleeps). */
export async function until(
  cond: () => boolean | Promise<boolean>,
  ms = 10000,
  what = "condition",
) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function exists(p: string): boolean {
  try {
    Deno.statSync(p);
    return true;
  } catch {
    return false;
  }
}

/** Whether a process is alive (zombies count as dead: PID 1 here reaps orphans late). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Waits until a file a task writes exists with content, and returns that content. */
export async function fileWritten(path: string, ms = 10000, lines = 1): Promise<string> {
  let text = "";
  await until(
    () => {
      try {
        text = Deno.readTextFileSync(path).trim();
        return text.length > 0 && text.split("\n").length >= lines;
      } catch {
        return false;
      }
    },
    ms,
    `${path} to be written`,
  );
  return text;
}

/** Mounts a private (0700) tmpfs of `size` on `dir`; undefined (with the reason) where that is not allowed. */
export async function mountTmpfs(dir: string, size: string): Promise<string | undefined> {
  Deno.mkdirSync(dir, { recursive: true });
  try {
    const out = await new Deno.Command("mount", {
      args: ["-t", "tmpfs", "-o", `size=${size},mode=0700`, "tmpfs", dir],
      stdout: "null",
      stderr: "piped",
    }).output();
    return out.success ? undefined : new TextDecoder().decode(out.stderr).trim() || "failed";
  } catch (err) {
    return (err as Error).message;
  }
}

export async function umount(dir: string): Promise<void> {
  await new Deno.Command("umount", { args: [dir], stdout: "null", stderr: "null" }).output();
}
