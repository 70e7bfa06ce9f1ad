/** Bench homes under bench/work/ (gitignored): one DOCKET_HOME per figure, built from scratch. */
import type { Cmd } from "./measure.ts";

export const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
export const WORK = `${ROOT}/bench/work`;
const MAIN = `${ROOT}/main.ts`;
const TASK_API = `${ROOT}/task.ts`;

/** The caller's environment minus anything that would point docket elsewhere. */
function baseEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  for (const k of Object.keys(env)) {
    if (k.startsWith("DOCKET_") || k === "NO_COLOR" || k === "FORCE_COLOR") delete env[k];
  }
  return env;
}

export const BASE_ENV = baseEnv();

/** `deno run -A <file>` from the repo root: the same flags and config discovery as docket. */
export function denoRun(file: string, args: string[] = [], env = BASE_ENV): Cmd {
  return { cmd: Deno.execPath(), args: ["run", "-A", file, ...args], env, cwd: ROOT };
}

export class Home {
  readonly dir: string;
  readonly env: Record<string, string>;

  constructor(name: string) {
    this.dir = `${WORK}/${name}`;
    clean(this.dir);
    Deno.mkdirSync(`${this.dir}/tasks`, { recursive: true });
    this.env = { ...BASE_ENV, DOCKET_HOME: this.dir, NO_COLOR: "1" };
  }

  get stateDb(): string {
    return `${this.dir}/state.db`;
  }

  /** `docket <args>` in this home. */
  docket(...args: string[]): Cmd {
    return denoRun(MAIN, args, this.env);
  }

  config(yaml: string): this {
    Deno.writeTextFileSync(`${this.dir}/config.yaml`, yaml);
    return this;
  }

  /** A drop-in TypeScript task; `body` is the object literal passed to defineTask. */
  dropin(name: string, body: string): this {
    Deno.writeTextFileSync(
      `${this.dir}/tasks/${name}.ts`,
      `import { defineTask } from "file://${TASK_API}";\n\nexport default defineTask(${body});\n`,
    );
    return this;
  }

  /** A no-op drop-in that declares a little metadata, like a real small task. */
  noop(name: string): this {
    return this.dropin(
      name,
      `{
  description: "Does nothing (${name}), successfully",
  inputs: { who: "Who to greet" },
  outputs: { greeted: "Whether anyone was greeted" },
  schema: { who: { type: "string", default: "world" } },
  run: (config) => ({ ok: true, summary: \`noop \${config.who}\`, details: { greeted: false } }),
}`,
    );
  }
}

/** Removes a home's dir if present; ignores a missing one. */
export function clean(dir: string): void {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  }
}
