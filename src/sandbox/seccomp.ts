/**
 * `network: false` means no Unix socket either. A network namespace isolates abstract sockets
 * only; a *named* socket is reached through the file system, and the masks (/tmp, /run, …)
 * are a deny-list: a jailed `network: false` task reached a server on a socket under
 * /var/lib and under the home (measured), as it would an ssh ControlMaster socket, a
 * database's or a container engine's. So a jail without network gets a seccomp filter
 * (`bwrap --seccomp`): `socket(AF_UNIX, …)` fails with EACCES — socketpair(2) stays (rsync,
 * Python use it between their own processes) — io_uring is refused (it creates and connects
 * sockets past seccomp), so are ptrace and process_vm_writev (a task stopped the jail's
 * `timeout` by tracing it; nothing may tamper with another jailed process), and any other ABI (x32, 32-bit) is refused whole, so no
 * `socketcall` gets around it. Programs that only *try* a socket (glibc's nscd lookup)
 * carry on as they do when nscd is absent.
 */

const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const RET_K = 0x06;
const ALLOW = 0x7fff0000;
const ERRNO = 0x00050000;
const EPERM = 1;
const EACCES = 13;
const AF_UNIX = 1;
const X32_BIT = 0x40000000;

interface Arch {
  audit: number;
  socket: number;
  /** io_uring's three calls, ptrace and process_vm_writev: refused with EPERM. */
  ioUring: number[];
  x32: boolean;
}

const ARCHES: Record<string, Arch> = {
  x86_64: { audit: 0xc000003e, socket: 41, ioUring: [425, 426, 427, 101, 311], x32: true },
  aarch64: { audit: 0xc00000b7, socket: 198, ioUring: [425, 426, 427, 117, 271], x32: false },
};

function ins(code: number, jt: number, jf: number, k: number): number[] {
  return [code, jt, jf, k];
}

/** The classic-BPF program for this architecture, or null where docket has none. */
export function noUnixSockets(arch: string = Deno.build.arch): Uint8Array | null {
  const a = ARCHES[arch];
  if (!a) return null;
  const p: number[][] = [
    ins(LD_W_ABS, 0, 0, 4), // seccomp_data.arch
    ins(JEQ_K, 1, 0, a.audit),
    ins(RET_K, 0, 0, ERRNO | EPERM),
    ins(LD_W_ABS, 0, 0, 0), // seccomp_data.nr
  ];
  if (a.x32) p.push(ins(JGE_K, 0, 1, X32_BIT), ins(RET_K, 0, 0, ERRNO | EPERM));
  p.push(
    ins(JEQ_K, 0, 3, a.socket),
    ins(LD_W_ABS, 0, 0, 16), // args[0], low word (little-endian)
    ins(JEQ_K, 0, 1, AF_UNIX),
    ins(RET_K, 0, 0, ERRNO | EACCES),
    ins(LD_W_ABS, 0, 0, 0),
  );
  a.ioUring.forEach((nr, i) => p.push(ins(JEQ_K, a.ioUring.length - i, 0, nr)));
  p.push(ins(RET_K, 0, 0, ALLOW), ins(RET_K, 0, 0, ERRNO | EPERM));
  const out = new Uint8Array(p.length * 8);
  const v = new DataView(out.buffer);
  p.forEach(([code, jt, jf, k], i) => {
    v.setUint16(i * 8, code!, true);
    v.setUint8(i * 8 + 2, jt!);
    v.setUint8(i * 8 + 3, jf!);
    v.setUint32(i * 8 + 4, k!, true);
  });
  return out;
}

/** Where docket keeps the filter for bwrap (`3<file`): its cache, hidden from every jail. */
export function noUnixSocketsPath(cacheDir: string): string | undefined {
  return ARCHES[Deno.build.arch] ? `${cacheDir}/jail-no-unix-${Deno.build.arch}.bpf` : undefined;
}

/** Writes the filter at `file` unless its bytes are there already (before a jailed run). */
export function ensureNoUnixSockets(file: string): void {
  const prog = noUnixSockets()!;
  try {
    const cur = Deno.readFileSync(file);
    if (cur.length === prog.length && cur.every((b, i) => b === prog[i])) return;
  } catch {
    // absent: written below
  }
  Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${Deno.pid}.tmp`;
  Deno.writeFileSync(tmp, prog, { mode: 0o600 });
  Deno.renameSync(tmp, file);
}
