/**
 * File descriptors docket inherited from whoever started it (a shell's `7>file`, an agent's
 * tool runner, a supervisor) stay open across exec unless marked close-on-exec: they passed
 * into every task child, through bwrap into the jail (measured: a jailed `network: false`
 * task with no writes wrote through an inherited fd 7, and through `/proc/1/fd/7` of the
 * jail's init). Before docket starts a child, every inherited fd above 2 is marked
 * FD_CLOEXEC: docket itself keeps them, no child gets them. Deno's own fds are close-on-exec
 * already, so the common case reads /proc/self/fdinfo and does nothing else.
 */

const O_CLOEXEC = 0o2000000;
const F_GETFD = 1;
const F_SETFD = 2;
const FD_CLOEXEC = 1;
let done = false;

/** Inherited fds above 2 without close-on-exec (from /proc/self/fdinfo). */
export function leakingFds(): number[] {
  const out: number[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc/self/fdinfo")];
  } catch {
    return out;
  }
  for (const e of entries) {
    const fd = Number(e.name);
    if (!Number.isInteger(fd) || fd <= 2) continue;
    try {
      const m = /^flags:\s*([0-7]+)/m.exec(Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`));
      if (m && (parseInt(m[1]!, 8) & O_CLOEXEC) === 0) out.push(fd);
    } catch {
      // closed meanwhile (the directory's own fd)
    }
  }
  return out;
}

/**
 * Marks every inherited fd close-on-exec, once per process. Returns the fds it could not
 * mark (no libc through FFI): the caller may refuse or report.
 */
export function sealInheritedFds(): number[] {
  if (done) return [];
  const leaks = leakingFds();
  if (leaks.length === 0) {
    done = true;
    return [];
  }
  let lib: Deno.DynamicLibrary<{ fcntl: { parameters: ["i32", "i32", "i32"]; result: "i32" } }>;
  try {
    lib = Deno.dlopen("libc.so.6", {
      fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
    });
  } catch {
    return leaks;
  }
  try {
    for (const fd of leaks) {
      const flags = lib.symbols.fcntl(fd, F_GETFD, 0);
      if (flags >= 0) lib.symbols.fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
  } finally {
    lib.close();
  }
  const left = leakingFds();
  done = left.length === 0;
  return left;
}
