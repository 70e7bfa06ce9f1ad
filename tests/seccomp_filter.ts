/**
 * Compiles a unit's SystemCallFilter=, SystemCallErrorNumber=, SystemCallArchitectures=native
 * RestrictAddressFamilies= and RestrictNamespaces= into a classic-BPF seccomp program (the format `bwrap --seccomp`
 * loads), so the envelope enforces them instead of trusting a trace. Groups are expanded by
 * `systemd-analyze syscall-filter`, i.e. systemd's own tables. x86_64 only.
 */
import { SYSCALLS_X86_64 } from "./syscalls_x86_64.ts";

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_BIT = 0x40000000;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
const RET_KILL_PROCESS = 0x80000000;
const LD_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JEQ = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JGE = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const RET = 0x06; // BPF_RET | BPF_K
const JSET = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const ENOSYS = 38;
const NS_FLAGS: Record<string, number> = {
  cgroup: 0x02000000,
  ipc: 0x08000000,
  net: 0x40000000,
  mnt: 0x00020000,
  pid: 0x20000000,
  user: 0x10000000,
  uts: 0x04000000,
};
const EAFNOSUPPORT = 97;
const ERRNOS: Record<string, number> = { EPERM: 1, EACCES: 13, ENOSYS: 38 };
const FAMILIES: Record<string, number> = { AF_UNIX: 1, AF_INET: 2, AF_INET6: 10, AF_NETLINK: 16 };

const groups = new Map<string, Set<string>>();

/** A `@group` (recursively) or a syscall name, as systemd-analyze lists it. */
function expand(word: string): Set<string> {
  if (!word.startsWith("@")) return new Set([word]);
  const known = groups.get(word);
  if (known) return known;
  const out = new Deno.Command("systemd-analyze", {
    args: ["syscall-filter", word],
    env: { LC_ALL: "C" },
    stdout: "piped",
  }).outputSync();
  const names = new Set<string>();
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    const w = line.trim();
    if (!w || w.startsWith("#") || w === word) continue;
    for (const n of expand(w)) names.add(n);
  }
  groups.set(word, names);
  return names;
}

/** The syscalls a unit allows: the allow-list line, minus every `~` line. */
export function allowedSyscalls(lines: readonly string[]): Set<string> {
  const allowed = new Set<string>();
  for (const line of lines) {
    const deny = line.startsWith("~");
    for (const w of (deny ? line.slice(1) : line).split(/\s+/).filter(Boolean)) {
      for (const n of expand(w)) deny ? allowed.delete(n) : allowed.add(n);
    }
  }
  return allowed;
}

/** The program: 8-byte `struct sock_filter` entries (code u16, jt u8, jf u8, k u32). */
export function seccompProgram(o: {
  syscallFilter: readonly string[];
  errno?: string | undefined;
  families?: readonly string[] | undefined;
  /** RestrictNamespaces= (the namespaces allowed); undefined: not restricted. */
  namespaces?: readonly string[] | undefined;
}): Uint8Array {
  const errno = RET_ERRNO | (ERRNOS[o.errno ?? "EPERM"] ?? 1);
  const ins: [number, number, number, number][] = [];
  const op = (code: number, k: number, jt = 0, jf = 0) => ins.push([code, jt, jf, k]);
  op(LD_ABS, 4); // seccomp_data.arch
  op(JEQ, AUDIT_ARCH_X86_64, 1, 0);
  op(RET, RET_KILL_PROCESS); // SystemCallArchitectures=native
  op(LD_ABS, 0); // seccomp_data.nr
  op(JGE, X32_BIT, 0, 1);
  op(RET, errno);
  const allowed = allowedSyscalls(o.syscallFilter);
  const socket = SYSCALLS_X86_64.socket!;
  if (o.families && allowed.has("socket")) {
    // socket(family, …): only the families RestrictAddressFamilies= names.
    const fams = o.families.map((f) => FAMILIES[f]).filter((n): n is number => n !== undefined);
    op(JEQ, socket, 0, 2 + 2 * fams.length);
    op(LD_ABS, 16); // seccomp_data.args[0], low 32 bits
    for (const f of fams) {
      op(JEQ, f, 0, 1);
      op(RET, RET_ALLOW);
    }
    op(RET, RET_ERRNO | EAFNOSUPPORT);
  }
  const nsCalls = new Set<number>();
  if (o.namespaces) {
    // As systemd does it: clone3's flags sit in a struct seccomp cannot read, so it gets
    // ENOSYS (libc falls back to clone); clone/unshare/setns are checked by their flags.
    const mask = Object.entries(NS_FLAGS).filter(([n]) => !o.namespaces!.includes(n))
      .reduce((m, [, f]) => m | f, 0);
    const [clone3, clone, unshare, setns] = ["clone3", "clone", "unshare", "setns"]
      .map((n) => SYSCALLS_X86_64[n]!);
    op(JEQ, clone3!, 0, 1);
    op(RET, RET_ERRNO | ENOSYS);
    for (const nr of [clone!, unshare!]) {
      op(JEQ, nr, 0, 4);
      op(LD_ABS, 16); // args[0]: the flags
      op(JSET, mask, 0, 1);
      op(RET, errno);
      op(RET, RET_ALLOW);
    }
    op(JEQ, setns!, 0, 5);
    op(LD_ABS, 24); // args[1]: nstype (0 means any)
    op(JEQ, 0, 2, 0);
    op(JSET, mask, 1, 0);
    op(RET, RET_ALLOW);
    op(RET, errno);
    for (const nr of [clone3!, clone!, unshare!, setns!]) nsCalls.add(nr);
  }
  for (const name of allowed) {
    const nr = SYSCALLS_X86_64[name];
    if (nr === undefined || (nr === socket && o.families) || nsCalls.has(nr)) continue;
    op(JEQ, nr, 0, 1);
    op(RET, RET_ALLOW);
  }
  op(RET, errno);
  const buf = new DataView(new ArrayBuffer(ins.length * 8));
  ins.forEach(([code, jt, jf, k], i) => {
    buf.setUint16(i * 8, code, true);
    buf.setUint8(i * 8 + 2, jt);
    buf.setUint8(i * 8 + 3, jf);
    buf.setUint32(i * 8 + 4, k >>> 0, true);
  });
  return new Uint8Array(buf.buffer);
}
