import assert from "node:assert/strict";
import { noUnixSockets } from "./seccomp.ts";

/** A classic-BPF interpreter for the instructions the filter uses (ld abs, jeq, jge, ret). */
function decide(prog: Uint8Array, nr: number, arch: number, arg0 = 0): number {
  const v = new DataView(prog.buffer);
  const data = new DataView(new ArrayBuffer(64));
  data.setUint32(0, nr, true);
  data.setUint32(4, arch, true);
  data.setUint32(16, arg0, true);
  let a = 0;
  for (let pc = 0; pc * 8 < prog.length;) {
    const code = v.getUint16(pc * 8, true), jt = v.getUint8(pc * 8 + 2);
    const jf = v.getUint8(pc * 8 + 3), k = v.getUint32(pc * 8 + 4, true);
    if (code === 0x20) a = data.getUint32(k, true);
    else if (code === 0x06) return k;
    else if (code === 0x15) pc += a === k ? jt : jf;
    else if (code === 0x35) pc += a >= k ? jt : jf;
    else throw new Error(`unknown instruction ${code}`);
    pc++;
  }
  throw new Error("fell off the program");
}

const ALLOW = 0x7fff0000, EACCES = 0x0005000d, EPERM = 0x00050001;

for (
  const [arch, audit, socket, read, ptrace] of [
    ["x86_64", 0xc000003e, 41, 0, 101],
    ["aarch64", 0xc00000b7, 198, 63, 117],
  ] as const
) {
  Deno.test(`seccomp ${arch}: socket(AF_UNIX) EACCES, other families and syscalls allowed, io_uring and foreign ABIs refused`, () => {
    const p = noUnixSockets(arch)!;
    assert.equal(decide(p, socket, audit, 1), EACCES);
    assert.equal(decide(p, socket, audit, 2), ALLOW, "AF_INET (its own empty netns)");
    assert.equal(decide(p, read, audit), ALLOW);
    for (const nr of [425, 426, 427, ptrace]) assert.equal(decide(p, nr, audit), EPERM);
    assert.equal(decide(p, socket, 0x40000003, 1), EPERM, "i386 (socketcall) refused whole");
    if (arch === "x86_64") assert.equal(decide(p, 0x40000000 | 41, audit, 1), EPERM, "x32");
  });
}

Deno.test("seccomp: no filter for an architecture docket has no table for", () => {
  assert.equal(noUnixSockets("riscv64"), null);
});
