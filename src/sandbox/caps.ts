/**
 * The capabilities a jailed child keeps. bubblewrap started by real root without a user
 * namespace keeps *every* capability of its caller for the child (measured: CapEff
 * 000001fffeffffff inside): CAP_SYS_ADMIN there unmounts the masks (`umount` over the state
 * DB), remounts the root read-write (`mount -o remount,bind,rw /`), CAP_MKNOD makes a block
 * device of the host's disk in a writable folder, CAP_DAC_READ_SEARCH opens any inode by
 * handle (`open_by_handle_at`) past every mount. So the jail drops them all (`--cap-drop ALL`)
 * and adds back only what a root task needs to handle files and users as root (rsync -a,
 * `runuser -u postgres pg_dump`): an allow-list, intersected with what docket itself holds.
 */

/** Capability numbers (linux/capability.h) of the ones a jailed root task may keep. */
const KEEP: Record<string, number> = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
};
/** Only outside the initial user namespace: there open_by_handle_at needs it and is refused. */
const READ_SEARCH = { CAP_DAC_READ_SEARCH: 2 };
/** The kernel's constant inode of the initial user namespace (PROC_USER_INIT_INO). */
const INIT_USER_NS = "user:[4026531837]";

/**
 * The `--cap-add` list for this process's jails, from its own `/proc/self/status` CapEff and
 * user namespace (pure: the caller reads them).
 */
export function jailCaps(status: string, userNs: string): string[] {
  const m = /^CapEff:\s*([0-9a-f]+)\s*$/m.exec(status);
  if (!m) return [];
  const eff = BigInt(`0x${m[1]}`);
  const keep = userNs === INIT_USER_NS ? KEEP : { ...KEEP, ...READ_SEARCH };
  return Object.entries(keep).filter(([, bit]) => (eff >> BigInt(bit)) & 1n).map(([n]) => n)
    .sort();
}

/** This process's jail capabilities (reads /proc; none when it cannot tell). */
export function ownJailCaps(): string[] {
  try {
    return jailCaps(
      Deno.readTextFileSync("/proc/self/status"),
      Deno.readLinkSync("/proc/self/ns/user"),
    );
  } catch {
    return [];
  }
}

/**
 * bwrap started by root makes its namespaces itself, which takes CAP_SYS_ADMIN. A root
 * systemd unit (`PrivateUsers=yes`, `CapabilityBoundingSet=CAP_SETFCAP`) runs docket as root
 * of its own user namespace without it: there bwrap failed ("Creating new namespace failed:
 * Operation not permitted", measured) and every task ran unjailed. It needs its own user
 * namespace (`--unshare-user`; the unit's `RestrictNamespaces=` allows `user`). Not in the
 * initial user namespace: there root without CAP_SYS_ADMIN is a unit that keeps file
 * capabilities for copies as root, which a user namespace would void for unmapped owners.
 */
export function jailNeedsUserNs(status: string, userNs: string, uid: number): boolean {
  const m = /^CapEff:\s*([0-9a-f]+)\s*$/m.exec(status);
  if (uid !== 0 || !m || userNs === INIT_USER_NS) return false;
  return ((BigInt(`0x${m[1]}`) >> 21n) & 1n) === 0n;
}

/** Whether this process's jails need `--unshare-user` (see jailNeedsUserNs). */
export function ownJailUserNs(): boolean {
  try {
    return jailNeedsUserNs(
      Deno.readTextFileSync("/proc/self/status"),
      Deno.readLinkSync("/proc/self/ns/user"),
      Deno.uid() ?? -1,
    );
  } catch {
    return false;
  }
}
