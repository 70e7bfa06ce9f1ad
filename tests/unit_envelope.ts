/**
 * Runs a generated service's exact ExecStart= inside a bubblewrap jail that reproduces the
 * unit's filesystem, user, capability and network view (there is no systemd PID 1 here).
 * Emulated: ProtectSystem=strict (read-only /), ReadWritePaths=, ReadOnlyPaths=, PrivateTmp=,
 * ProtectHome=,
 * Bind(ReadOnly)Paths=, PrivateDevices=, PrivateUsers=, CapabilityBoundingSet=,
 * PrivateNetwork=, ProtectProc=invisible (a hidepid=invisible /proc, as systemd mounts it),
 * WorkingDirectory=, Environment= (and systemd's bare PATH), and through a seccomp program
 * (tests/seccomp_filter.ts) SystemCallFilter=, SystemCallErrorNumber=,
 * SystemCallArchitectures=native, RestrictAddressFamilies= and RestrictNamespaces=. Not
 * emulated: LockPersonality=, RestrictSUIDSGID=, RestrictRealtime=, IPAddressDeny=,
 * ProtectClock=, ProtectHostname=, MemoryMax=, TimeoutStartSec=, User=.
 */

import { seccompProgram } from "./seccomp_filter.ts";

/** systemd's PATH for system services (systemd.exec(5), "Environment variables"). */
const SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The [Service] lines of a unit: name → values in order. */
export function serviceLines(unit: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (!m) continue;
    out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

/** Splits a systemd value into words: double quotes with C escapes, `%%` and `$$` undone. */
export function words(value: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const m of value.matchAll(re)) {
    const w = m[1] !== undefined ? m[1].replace(/\\(.)/g, (_, c) => c === "n" ? "\n" : c) : m[2]!;
    out.push(w.replaceAll("%%", "%").replaceAll("$$", "$"));
  }
  return out;
}

/**
 * The argv that reproduces `unit`'s view, then its ExecStart= argv: bwrap, behind an
 * `unshare -m` that first mounts /proc with hidepid=invisible for ProtectProc=invisible.
 */
export function envelopeArgv(unit: string, exec?: string[], seccompFd?: number): string[] {
  const s = serviceLines(unit);
  const one = (k: string) => s.get(k)?.at(-1);
  const all = (k: string) => (s.get(k) ?? []).flatMap(words);
  const yes = (k: string) => one(k) === "yes";
  const args = ["--die-with-parent", "--new-session"];
  if (yes("PrivateUsers")) args.push("--unshare-user", "--uid", "0", "--gid", "0");
  if (one("ProtectSystem") !== "strict") {
    throw new Error("the emulation needs ProtectSystem=strict");
  }
  args.push("--ro-bind", "/", "/");
  if (yes("PrivateDevices")) args.push("--dev", "/dev");
  // The unit sees the host's /proc (a bind, writable so bwrap can write its uid map).
  args.push("--bind", "/proc", "/proc");
  if (yes("PrivateTmp")) args.push("--tmpfs", "/tmp", "--tmpfs", "/var/tmp");
  if (one("ProtectHome") === "tmpfs") {
    for (const d of ["/home", "/root", "/run/user"]) args.push("--tmpfs", d);
  }
  const bind = (flag: string, p: string) =>
    p.startsWith("-") ? [`${flag}-try`, p.slice(1), p.slice(1)] : [flag, p, p];
  for (const p of all("BindReadOnlyPaths")) args.push(...bind("--ro-bind", p));
  for (const p of [...all("BindPaths"), ...all("ReadWritePaths")]) args.push(...bind("--bind", p));
  // Deeper paths win in systemd's mount order: read-only inside a writable folder.
  for (const p of all("ReadOnlyPaths")) args.push(...bind("--ro-bind", p));
  if (yes("PrivateNetwork")) args.push("--unshare-net");
  // CapabilityBoundingSet= is what a root service keeps: drop the rest.
  args.push("--cap-drop", "ALL");
  for (const cap of all("CapabilityBoundingSet")) args.push("--cap-add", cap);
  if (seccompFd !== undefined) args.push("--seccomp", String(seccompFd));
  const wd = one("WorkingDirectory");
  if (wd) args.push("--chdir", words(wd)[0]!);
  args.push("--clearenv", "--setenv", "PATH", SYSTEMD_PATH);
  for (const e of all("Environment")) {
    const i = e.indexOf("=");
    args.push("--setenv", e.slice(0, i), e.slice(i + 1));
  }
  const execStart = one("ExecStart");
  if (!execStart) throw new Error("the unit has no ExecStart=");
  const jail = ["bwrap", ...args, "--", ...(exec ?? words(execStart))];
  if (one("ProtectProc") !== "invisible") return jail;
  const mount = 'mount -t proc -o hidepid=invisible proc /proc && exec "$@"';
  return ["unshare", "-m", "--propagation", "private", "sh", "-c", mount, "sh", ...jail];
}

export interface EnvelopeResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the unit's ExecStart= (or `exec`) in its emulated envelope. */
export async function runInEnvelope(unit: string, exec?: string[]): Promise<EnvelopeResult> {
  const s = serviceLines(unit);
  const filter = s.get("SystemCallFilter");
  let program: string | undefined;
  let argv = envelopeArgv(unit, exec);
  if (filter && Deno.build.arch === "x86_64") {
    program = Deno.makeTempFileSync({ prefix: "docket-seccomp-" });
    Deno.writeFileSync(
      program,
      seccompProgram({
        syscallFilter: filter,
        errno: s.get("SystemCallErrorNumber")?.at(-1),
        families: s.get("RestrictAddressFamilies")?.at(-1)?.split(/\s+/),
        namespaces: s.get("RestrictNamespaces")?.at(-1)?.split(/\s+/),
      }),
    );
    // bwrap reads the program from a file descriptor: the shell opens it as fd 9.
    argv = ["sh", "-c", 'exec "$@" 9<"$0"', program, ...envelopeArgv(unit, exec, 9)];
  }
  const [cmd, ...args] = argv;
  const out = await new Deno.Command(cmd!, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (program) Deno.removeSync(program);
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
