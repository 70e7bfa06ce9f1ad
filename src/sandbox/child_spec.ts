/**
 * The one description of a task's child process: `taskChildSpec(task, run, host)` gives the
 * exact command, argv, environment and working directory the runner executes, and the
 * permissions report (who enforces what) derived in the same pass. `describe`/`capabilities`
 * show this spec's own arrays (with `<scratch>` placeholders), never a second rendering.
 * Pure: every fact about the host comes in `host` (see host.ts).
 */
import type { TaskSection } from "../config/types.ts";
import { fromFileUrl } from "../core/path.ts";
import type { TaskGrants } from "../task_api.ts";
import { commandArgv } from "./command_argv.ts";
import type { HostFacts } from "./host.ts";
import { enforcement, jailNotes, localPorts, type OsLayer, osLayer } from "./os_layer.ts";
export type { OsLayer } from "./os_layer.ts";
import { isUnder, jailArgs, type JailInput } from "./jail.ts";
import { childEnv, commandPermissions, deriveSandbox, type Permissions } from "./permissions.ts";
import type { ChildSpec } from "./spawn.ts";

export const HARNESS = new URL("./harness.ts", import.meta.url);
const FORWARDER = new URL("./net_forwarder.ts", import.meta.url);
/** Where the proxy's socket folder appears inside the jail, and the proxy's port there. */
export const NET_DIR_IN_JAIL = "/run/docket-net";
const PROXY_PORT = 63128;

export interface SpecTask {
  name: string;
  source: string;
  /** File path or file URL of the module (TypeScript tasks). */
  module: string | null;
  grants: TaskGrants;
}

export interface RunContext {
  runId: string;
  attempt: number;
  dryRun: boolean;
  scratchDir: string;
  /** The effective section (config + overrides): command, args, cwd, env, limits. */
  section: TaskSection;
  stdin?: Uint8Array;
  /** The allow-list proxy's socket folder on the host (see net_proxy.ts); `<net_dir>` shown. */
  netDir?: string;
  /** Extra variables docket itself passes (the audit file). */
  docketEnv?: Record<string, string>;
}

export interface TaskChildSpec extends ChildSpec {
  /** Deno's permission flags, exactly as they appear inside `args`. */
  deno_flags: string[];
  permissions: Permissions;
  os: OsLayer;
  /** The child runs in a jail: kill through its init (see spawn.ts). */
  jailed: boolean;
  /** The allow-list the proxy enforces for this child (programs with a network list). */
  proxy: string[] | null;
  /** The jail's network: none (own namespace) or the host's; null when not jailed. */
  netns: "none" | "host" | null;
  /** Declared `writes` paths to create (as folders) before a jailed run: binds need them. */
  mkdirs: string[];
  /** Files to create empty before the run (bound into the jail). */
  touch: string[];
  /** The seccomp filter file bwrap reads (no Unix sockets without network), written first. */
  filter?: string;
  /**
   * The hard deadline in seconds (limit + grace) coreutils `timeout -s KILL` holds around the
   * task (unjailed) or as the jail's init; null without one (no limit, or no `timeout` here).
   */
  deadline: number | null;
}

/** The run context `describe` and `capabilities` render: placeholders, no real run. */
export function describeRun(section: TaskSection): RunContext {
  return { runId: "<run_id>", attempt: 1, dryRun: false, scratchDir: "<scratch>", section };
}

export function taskChildSpec(task: SpecTask, run: RunContext, host: HostFacts): TaskChildSpec {
  const g = task.grants;
  const isCommand = task.source === "command";
  const exec = g.exec ?? [];
  const programs = isCommand || exec.length > 0;
  const list = Array.isArray(g.network) && g.network.length > 0;
  const os = osLayer(host);
  const jailed = os.layer === "bwrap";
  const proxied = jailed && programs && list;
  const scratch = run.scratchDir;
  const context: Record<string, string> = {
    DOCKET_RUN_ID: run.runId,
    DOCKET_TASK_NAME: task.name,
    DOCKET_DRY_RUN: run.dryRun ? "1" : "0",
    DOCKET_SCRATCH_DIR: scratch,
    DOCKET_ATTEMPT: String(run.attempt),
  };
  const writes = outermost(g.writes ?? []).map(host.real);
  const reads = (g.reads ?? []).map(host.real);
  const deadline = deadlineOf(run.section, host);
  let inner: string[];
  let deno_flags: string[] = [];
  let permissions: Permissions;
  let env: Record<string, string>;
  let cwd: string;
  let jail: Omit<JailInput, "masks" | "privateDirs" | "privateFiles" | "cwd">;
  if (isCommand) {
    const argv = commandArgv(run.section, run.dryRun) ?? commandArgv(run.section, false)!;
    const resolved = host.resolve(argv[0]!);
    inner = jailed && resolved ? [resolved, ...argv.slice(1)] : argv;
    permissions = commandPermissions(g).permissions;
    const extra: Record<string, string> = { TMPDIR: scratch };
    for (const [k, v] of Object.entries((run.section.env as Record<string, unknown>) ?? {})) {
      extra[k] = String(v);
    }
    env = childEnv({ source: host.envSource, required: g.required_env ?? [], context, extra });
    cwd = run.section.cwd ? String(run.section.cwd) : scratch;
    const writeAll = g.destructive === true && g.writes === undefined;
    if (jailed) permissions.write = writeAll ? true : [scratch, ...(g.destructive ? writes : [])];
    jail = {
      network: netNone(g) ? "none" : "host",
      writeAll,
      writable: [scratch, ...(g.destructive ? writes : [])],
      readable: [host.home, ...(resolved ? [resolved] : []), ...reads, cwd],
    };
  } else {
    const modulePath = task.module?.startsWith("file:") ? fromFileUrl(task.module) : task.module!;
    const sb = deriveSandbox({
      grants: g,
      modulePath,
      scratchDir: scratch,
      ...(run.dryRun ? { dryRun: true } : {}),
      deny: host.deny,
    });
    deno_flags = sb.deno_flags;
    permissions = sb.permissions;
    inner = [host.denoPath, "run", ...deno_flags, "--no-config", "--no-lock", HARNESS.href];
    env = childEnv({
      source: host.envSource,
      required: g.required_env ?? [],
      context,
      extra: { TMPDIR: scratch },
    });
    cwd = scratch;
    const write = permissions.write;
    jail = {
      network: netNone(g) ? "none" : "host",
      writeAll: write === true,
      writable: write === true ? [scratch] : outermost(write as string[]).map(host.real),
      readable: [
        host.home,
        host.denoPath,
        host.denoDir,
        host.docketRoot,
        ...permissions.read.map(host.real),
        ...exec.map((e) => host.resolve(e)).filter((p): p is string => !!p),
      ],
      module: host.real(modulePath),
    };
  }
  Object.assign(env, run.docketEnv ?? {});
  if (jailed) {
    // Deno's own update check would try the network (through the proxy, when there is one).
    env.DENO_NO_UPDATE_CHECK = "1";
    // A read-only DENO_DIR makes any Deno inside (the harness, the forwarder, a `deno` command)
    // retry writing its emit cache (≈ 170 ms per new module, measured): transpile in memory.
    env.DENO_EMIT_CACHE_MODE = "disable";
  }
  const mounts: { src: string; dest: string }[] = [];
  if (proxied) {
    const forwards = [...new Set(localPorts(g.network as string[]))].filter((p) =>
      p !== PROXY_PORT
    );
    // The proxy checks the target as declared: a `localhost:PORT` entry is tunnelled as such.
    const targets: Record<string, string> = {};
    for (const e of g.network as string[]) {
      const m = /^localhost:(\d{1,5})$/i.exec(e.trim());
      if (m && !(g.network as string[]).some((x) => x.trim() === `127.0.0.1:${m[1]}`)) {
        targets[String(Number(m[1]))] = e.trim().toLowerCase();
      }
    }
    const url = `http://127.0.0.1:${PROXY_PORT}`;
    for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"]) env[k] = env[k.toLowerCase()] = url;
    mounts.push({ src: run.netDir ?? "<net_dir>", dest: NET_DIR_IN_JAIL });
    jail.network = "none";
    inner = [
      host.denoPath,
      "run",
      "--no-prompt",
      "--no-config",
      "--no-lock",
      `--allow-net=127.0.0.1,unix:${NET_DIR_IN_JAIL}/proxy.sock`,
      `--allow-read=${NET_DIR_IN_JAIL}`,
      `--allow-write=${NET_DIR_IN_JAIL}`,
      "--allow-run",
      FORWARDER.href,
      JSON.stringify({
        socket: `${NET_DIR_IN_JAIL}/proxy.sock`,
        proxyPort: PROXY_PORT,
        forwards,
        targets,
      }),
      "--",
      ...inner,
    ];
    jail.readable.push(host.denoPath, host.denoDir, host.docketRoot);
  }
  permissions.enforced_by = enforcement(task, jailed);
  // deno_flags stay the Deno task's own flags; the forwarder in front of it is in `args`.
  if (jailed) {
    // A TypeScript task's dry run binds only scratch writable (its programs included).
    const narrowed = run.dryRun && !isCommand;
    permissions.notes = permissions.notes.filter((n) =>
      !/outside Deno's sandbox|labels only/.test(n)
    ).map((n) =>
      narrowed ? n.replace(/ \(programs started through exec are not limited by it\)/, "") : n
    );
    permissions.notes.push(
      ...jailNotes(
        programs,
        list,
        narrowed,
        netNone(g) && !proxied && !!host.seccomp && !!host.resolve("sh"),
      ),
    );
  } else if (os.reason && programs) permissions.notes.push(`OS sandbox not used: ${os.reason}`);
  let cmd = inner[0]!;
  let args = inner.slice(1);
  const mkdirs: string[] = [];
  const touch: string[] = [];
  // Deno writes the audit log itself (task code cannot): the one file bound inside logs_dir.
  const audit = run.docketEnv?.DENO_AUDIT_PERMISSIONS;
  if (jailed && audit && !audit.startsWith("<")) touch.push(audit);
  if (jailed) jail.writable = bindableWrites(jail.writable, scratch, programs, host, mkdirs);
  // No network: no Unix socket either (named ones are reached through the file system).
  const sh = jailed && jail.network === "none" && !proxied && host.seccomp
    ? host.resolve("sh")
    : undefined;
  const filter = sh ? host.seccomp : undefined;
  if (jailed) {
    const bw = jailArgs({
      ...jail,
      mounts,
      ...(audit ? { files: [audit] } : {}),
      masks: host.masks,
      caps: host.caps ?? [],
      ownFolders: host.ownFolders ?? [],
      ...(host.userNs ? { userNs: true } : {}),
      privateDirs: host.privateDirs,
      privateFiles: host.privateFiles,
      cwd,
      ...(deadline ? { deadline } : {}),
      ...(filter ? { seccompFd: 3 } : {}),
    });
    cmd = host.probe.bwrap!;
    args = [...bw, ...inner];
    // bwrap reads the filter from fd 3: a shell opens it and execs bwrap (same pid).
    if (filter && sh) [cmd, args] = [sh, ["-c", 'exec "$@" 3<"$0"', filter, cmd, ...args]];
  } else if (deadline) {
    // No jail: the same hard deadline from outside the task's code (a busy loop starves the
    // harness's own timers). Not --foreground: timeout leads the task's process group and
    // kills all of it.
    cmd = deadline.timeout;
    args = ["-s", "KILL", `${Math.ceil(deadline.seconds)}s`, ...inner];
  }
  const spec: TaskChildSpec = {
    cmd,
    args,
    env,
    cwd,
    deno_flags,
    permissions,
    os,
    jailed,
    netns: jailed ? jail.network : null,
    proxy: proxied ? (g.network as string[]) : null,
    mkdirs,
    touch,
    deadline: deadline ? Math.ceil(deadline.seconds) : null,
  };
  if (filter) spec.filter = filter;
  if (run.stdin) spec.stdin = run.stdin;
  return spec;
}

/**
 * A bind needs an existing source. A missing `writes` path of a task with programs is created
 * first (`mkdirs`): an empty file when its name has an extension (`out.json`), else a folder; for
 * Deno code alone, Deno's flag holds the exact path, so the jail opens its nearest existing
 * folder instead (not `/`, nor a folder holding a mask).
 */
function bindableWrites(
  writes: string[],
  scratch: string,
  programs: boolean,
  host: HostFacts,
  mkdirs: string[],
): string[] {
  const out: string[] = [];
  for (const w of writes) {
    if (w === scratch || w.startsWith("<") || host.exists(w)) out.push(w);
    else if (programs) {
      mkdirs.push(w);
      out.push(w);
    } else {
      let a = w;
      while (a !== "/" && !host.exists(a)) a = a.slice(0, a.lastIndexOf("/")) || "/";
      if (a !== "/" && !host.masks.some((m) => isUnder(m, a))) out.push(a);
    }
  }
  return out;
}

/**
 * The declared paths without those inside another one (as declared, before symlinks are
 * resolved): the outer bind already makes them writable, and a separate bind of an inner path
 * would follow what the task left there. Measured: with `writes: [D, D/sub/evil.sh]`, a run
 * renamed `D/sub` and put a symlink to another folder in its place; the next runs created
 * `evil.sh` there (docket, outside the jail) and bound it writable: a write outside `writes`.
 */
function outermost(paths: string[]): string[] {
  return paths.filter((p, i) => !paths.some((o, j) => j !== i && o !== p && isUnder(p, o)));
}

function netNone(g: TaskGrants): boolean {
  return Array.isArray(g.network) ? g.network.length === 0 : g.network !== true;
}

/** The allow-list a run of this task needs a proxy for (null: none). */
export function proxyFor(task: SpecTask, host: HostFacts): string[] | null {
  const g = task.grants;
  const programs = task.source === "command" || (g.exec ?? []).length > 0;
  const list = Array.isArray(g.network) && g.network.length > 0;
  return programs && list && osLayer(host).layer === "bwrap" ? g.network as string[] : null;
}

function deadlineOf(section: TaskSection, host: HostFacts) {
  const t = section.timeout_seconds;
  if (typeof t !== "number" || t <= 0 || !host.timeoutBin) return undefined;
  const g = typeof section.kill_grace_seconds === "number" ? section.kill_grace_seconds : 5;
  return { timeout: host.timeoutBin, seconds: t + g };
}

/** `details.sandbox` of a run: which OS layer held it (only when one did, or was refused). */
export function sandboxDetails<T extends { details: Record<string, unknown> }>(
  spec: TaskChildSpec,
  o: T,
  denied?: string[],
): T {
  // Deno code alone: Deno's flags hold it; the report stays as it was without the OS layer.
  if (spec.permissions.enforced_by.processes === "deno") return o;
  if (!spec.jailed) {
    if (spec.os.policy === "off" || !spec.os.reason) return o;
    return { ...o, details: { ...o.details, sandbox: { os: null, reason: spec.os.reason } } };
  }
  return {
    ...o,
    details: {
      ...o.details,
      sandbox: {
        os: "bwrap",
        network: spec.netns,
        leftovers: "stopped with the run's PID namespace",
        ...(spec.proxy ? { allowed: spec.proxy, denied: denied ?? [] } : {}),
      },
    },
  };
}
