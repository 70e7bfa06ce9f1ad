/**
 * The OS layer: bubblewrap arguments built from a task's declarations. Pure: the caller
 * resolves paths (see host.ts); this only decides what is mounted how.
 *
 * - the root read-only (`--bind / /` only for a task allowed to write anywhere);
 * - private /dev, /proc (a PID namespace: everything dies with the jail's init, `setsid`
 *   included), IPC and UTS;
 * - masked with an empty tmpfs: /tmp, /var/tmp, /run (and /var/run), XDG_RUNTIME_DIR and
 *   docket's own folders (home, logs, tasks); docket's files elsewhere (state DB, config) are
 *   hidden behind /dev/null. Named Unix sockets under them become unreachable;
 * - bound back: what the child must read (the resolved executables, deno, the harness, the
 *   task module, DENO_DIR, declared `reads`) read-only when a mask hid it; the scratch dir and
 *   declared `writes` read-write;
 * - `network: false` (and no network at all): `--unshare-net` (only `lo`, nothing outside).
 */

export interface JailInput {
  /** `none`: a network namespace with no interface but lo; `host`: the host's network. */
  network: "none" | "host";
  /** The task may write anywhere (destructive without a `writes` list). */
  writeAll: boolean;
  /** Bound read-write (absolute, existing). */
  writable: string[];
  /** Needed for reading; bound read-only only where a mask hides them. */
  readable: string[];
  /** Folders replaced by an empty tmpfs. */
  masks: string[];
  /** docket's own folders (tmpfs) and files (/dev/null): hidden even inside a grant. */
  privateDirs: string[];
  privateFiles: string[];
  /** The task's module: bound read-only even inside docket's folders (a drop-in in tasks_dir). */
  module?: string;
  cwd: string;
  /** Files docket reads back (the audit log), bound read-write after the private mounts. */
  files?: string[];
  /** Read-only binds of a host folder at another place (the proxy's socket folder). */
  mounts?: { src: string; dest: string }[];
  /** Bound read-only over a writable root (docket's home, the DB's folder): new files there
   * (a forged `state.db-journal`, a replaced cache key) could steer docket. */
  ownFolders?: string[];
  /** Capabilities the child keeps (`--cap-drop ALL`, then these added back; see caps.ts). */
  caps?: string[];
  /** bwrap makes its own user namespace (root without CAP_SYS_ADMIN; see caps.ts). */
  userNs?: boolean;
  /** An fd bwrap reads a seccomp program from (`--seccomp`; see seccomp.ts). */
  seccompFd?: number;
  /** Hard deadline inside the jail: coreutils `timeout` (absolute path) and the seconds. */
  deadline?: { timeout: string; seconds: number };
}

export function isUnder(p: string, dir: string): boolean {
  return dir === "/" || p === dir || p.startsWith(dir.endsWith("/") ? dir : dir + "/");
}

/** The bwrap arguments before the child's own argv (which follows the returned `--`). */
export function jailArgs(j: JailInput): string[] {
  // Only absolute paths become mounts (`<scratch>` is describe's placeholder): a relative grant
  // is not bound, so it cannot be written through the OS layer.
  const abs = (p: string) => p.startsWith("/") || p.startsWith("<");
  j = { ...j, writable: j.writable.filter(abs), readable: j.readable.filter(abs) };
  const masks = topmost(j.masks);
  const privDirs = uniq(j.privateDirs);
  const privFiles = uniq(j.privateFiles);
  const priv = [...privDirs, ...privFiles];
  const args = [j.writeAll ? "--bind" : "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"];
  // The kernel's knobs stay read-only: bwrap covers /proc/irq and /proc/bus but not these, and
  // root needs no capability to write them (measured: a jailed task wrote kernel.core_pattern,
  // which runs a program as root outside every namespace on the next crash, and the host's
  // hostname, the UTS namespace being shared).
  if (j.writeAll) { for (const f of uniq(j.ownFolders ?? [])) args.push("--ro-bind", f, f); }
  args.push("--ro-bind", "/proc/sys", "/proc/sys");
  args.push("--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger");
  for (const m of topmost([...masks, ...privDirs])) args.push("--tmpfs", m);
  for (const f of privFiles) {
    if (!masks.some((m) => isUnder(f, m))) args.push("--ro-bind", "/dev/null", f);
  }
  // A grant inside docket's own folders is never honoured, except the task's own module
  // (bound after the private mounts, below).
  const writable = uniq(j.writable).filter((w) => !priv.some((p) => isUnder(w, p)));
  const bound = new Set(writable);
  const early: [string, "rw" | "ro"][] = writable.map((w) => [w, "rw"]);
  const late = j.module && priv.some((p) => isUnder(j.module!, p)) ? [j.module] : [];
  if (j.module && !late.length) j = { ...j, readable: [...j.readable, j.module] };
  for (const r of uniq(j.readable)) {
    if (bound.has(r)) continue;
    if (priv.some((p) => isUnder(r, p))) continue;
    if ([...masks, ...privDirs].some((m) => isUnder(r, m))) early.push([r, "ro"]);
  }
  // Parents before children, so a nested grant is mounted over its parent's.
  early.sort((a, b) => depth(a[0]) - depth(b[0]));
  for (const [p, how] of early) {
    // A read grant may not exist yet: -try; a write grant must (created before the run).
    args.push(how === "rw" ? "--bind" : "--ro-bind-try", p, p);
  }
  // A grant that contains docket's own files: hide them again on top of it.
  const grants = early.map(([p]) => p);
  for (const d of privDirs) if (grants.some((g) => isUnder(d, g))) args.push("--tmpfs", d);
  for (const f of privFiles) {
    if (grants.some((g) => isUnder(f, g))) args.push("--ro-bind", "/dev/null", f);
  }
  for (const r of late) args.push("--ro-bind-try", r, r);
  for (const f of j.files ?? []) args.push("--bind", f, f);
  for (const m of j.mounts ?? []) args.push("--ro-bind", m.src, m.dest);
  if (j.userNs) args.push("--unshare-user");
  if (j.network === "none") args.push("--unshare-net");
  args.push("--unshare-pid", "--die-with-parent", "--cap-drop", "ALL");
  // With a deadline, `timeout` is the namespace's init: its processes cannot SIGSTOP or
  // SIGKILL it (measured: a task stopped a `timeout` below bwrap's init with `kill -STOP
  // $PPID` and, its runner frozen, ran past its limit). ptrace is refused by the seccomp
  // filter where there is one (no network); with network it remains (see the README).
  if (j.deadline) args.push("--as-pid-1");
  for (const c of j.caps ?? []) args.push("--cap-add", c);
  if (j.seccompFd !== undefined) args.push("--seccomp", String(j.seccompFd));
  args.push("--chdir", j.cwd, "--");
  if (j.deadline) {
    args.push(
      j.deadline.timeout,
      "--foreground",
      "-s",
      "KILL",
      `${Math.ceil(j.deadline.seconds)}s`,
    );
  }
  return args;
}

function depth(p: string): number {
  return p.split("/").length;
}

/** Masks with the ones inside another mask dropped (already hidden). */
function topmost(masks: string[]): string[] {
  const u = uniq(masks).sort((a, b) => depth(a) - depth(b));
  return u.filter((m, i) => !u.slice(0, i).some((o) => isUnder(m, o)));
}

function uniq(xs: string[]): string[] {
  return [...new Set(xs)];
}
