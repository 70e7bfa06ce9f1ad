/** Shared by the systemd unit tests: the example config's tasks and systemd-analyze calls. */

/** The example config's kinds of task, with schedules (the units need them). */
export function exampleConfig(base: string, port = 9): string {
  return `tasks:
  health-check:
    description: Disk and memory headroom on this machine
    checks: [disk, memory]
    schedule: "0 * * * *"
    timeout_seconds: 60
  disk-report:
    type: command
    description: Free space of /, via df
    command: ["df", "-P", "/"]
    network: false
    schedule: "@hourly"
  backup:
    tool: rsync
    source: ${base}/src
    remote: ${base}/dest
    schedule: "0 2 * * *"
    timeout_seconds: 600
  announce:
    type: command
    command: ["true"]
    network: true
    schedule: "@daily"
    notify:
      on: [success]
      discord:
        webhook_url: http://127.0.0.1:${port}/hook
`;
}

export async function analyze(args: string[], env: Record<string, string> = {}) {
  const out = await new Deno.Command("systemd-analyze", {
    args,
    env: { LC_ALL: "C", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The overall exposure `systemd-analyze security --offline=true` gives a unit file. */
export async function exposure(path: string, user = false): Promise<number> {
  const r = await analyze([
    ...(user ? ["--user"] : []),
    "security",
    "--offline=true",
    "--no-pager",
    path,
  ], user ? { XDG_RUNTIME_DIR: runtimeDir() } : {});
  const m = /Overall exposure level for \S+: (\d+\.\d)/.exec(r.stdout);
  if (!m) throw new Error(`no exposure for ${path}: ${r.stdout}\n${r.stderr}`);
  return Number(m[1]);
}

/** `systemd-analyze --user` needs a runtime dir even offline. */
export function runtimeDir(): string {
  const dir = `${Deno.makeTempDirSync({ prefix: "docket-xdg-" })}`;
  Deno.chmodSync(dir, 0o700);
  return dir;
}

/** A base folder outside /tmp: PrivateTmp= hides /tmp, so real homes do not live there. */
export function varBase(): string {
  return Deno.makeTempDirSync({ dir: "/var/lib", prefix: "docket-unit-test-" });
}
