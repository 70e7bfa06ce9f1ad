/**
 * A throwaway PostgreSQL 15 server for tests: initdb into a temp dir (as the `postgres` user
 * when we are root: initdb refuses root), pg_ctl on a free 127.0.0.1 port, one database.
 * `pgAvailable()` is false (and tests say why) only when the server binaries are missing.
 */
const BIN = "/usr/lib/postgresql/15/bin";

export interface PgServer {
  url: string;
  port: number;
  dir: string;
  /** Stops the server at once (`-m immediate`) and removes its files. */
  stop(): Promise<void>;
  /** Stops the server at once (`-m immediate`), keeping its files: `resume` starts it again. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** Creates another empty database, returns its URL. */
  createDb(name: string): Promise<string>;
}

export function pgAvailable(): boolean {
  try {
    return Deno.statSync(`${BIN}/initdb`).isFile;
  } catch {
    return false;
  }
}

export const PG_MISSING = `PostgreSQL 15 server binaries are missing (${BIN}/initdb): ` +
  "install the Debian package `postgresql` (CI's .ci/run does)";

async function sh(cmd: string, args: string[]): Promise<void> {
  const asRoot = Deno.uid() === 0;
  const out = await new Deno.Command(asRoot ? "runuser" : cmd, {
    args: asRoot ? ["-u", "postgres", "--", cmd, ...args] : args,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startPg(): Promise<PgServer> {
  const dir = Deno.makeTempDirSync({ prefix: "docket-pg-" });
  Deno.chmodSync(dir, 0o777);
  const data = `${dir}/data`;
  await sh(`${BIN}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
  ]);
  let port = 0;
  const start = () =>
    sh(`${BIN}/pg_ctl`, [
      "-D",
      data,
      "-l",
      `${dir}/log`,
      "-w",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      "start",
    ]);
  for (let i = 0;; i++) {
    port = freePort();
    try {
      await start();
      break;
    } catch (e) {
      if (i >= 2) throw e;
    }
  }
  const createDb = async (name: string) => {
    await sh(`${BIN}/createdb`, ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres", name]);
    return `postgres://postgres@127.0.0.1:${port}/${name}`;
  };
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    const stop = ["-D", data, "-m", "immediate", "-w", "stop"];
    new Deno.Command(Deno.uid() === 0 ? "runuser" : `${BIN}/pg_ctl`, {
      args: Deno.uid() === 0 ? ["-u", "postgres", "--", `${BIN}/pg_ctl`, ...stop] : stop,
      stdout: "null",
      stderr: "null",
    }).outputSync();
    Deno.removeSync(dir, { recursive: true });
  };
  // A failed or filtered test file still stops its server when the process ends.
  globalThis.addEventListener("unload", stopSync);
  const url = await createDb("docket");
  return {
    url,
    port,
    dir,
    createDb,
    stop: () => Promise.resolve(stopSync()),
    pause: () => sh(`${BIN}/pg_ctl`, ["-D", data, "-m", "immediate", "-w", "stop"]),
    resume: start,
  };
}
