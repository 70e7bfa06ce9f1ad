/**
 * Whether the OS sandbox (bubblewrap) works on this host, and why not. The real probe starts
 * `bwrap … true` once (≈ 4 ms); its verdict is remembered in memory and in `<home>/cache`,
 * keyed by the bwrap binary's identity (path, inode, size, mtime, ctime), the uid, the
 * kernel's user-namespace switches and this process's user and mount namespaces, so `list`/`run` pay a few stat calls, not a spawn.
 */
import { join } from "../core/path.ts";
import { which } from "../core/which.ts";

export interface OsProbe {
  /** The OS layer can be used for task children on this host. */
  available: boolean;
  /** The bwrap binary found on PATH (null: not installed). */
  bwrap: string | null;
  /** Why not (when unavailable), in words. */
  reason?: string;
  hint?: string;
}

const PROBE_VERSION = 2;
const SWITCHES = [
  "/proc/sys/user/max_user_namespaces",
  "/proc/sys/kernel/unprivileged_userns_clone",
  "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
];
const memo = new Map<string, OsProbe>();

/** The probe's cache key, or the verdict when no probe is needed (no bwrap on PATH). */
function keyOf(path: string | undefined): { key: string } | { verdict: OsProbe } {
  const bwrap = path ? which("bwrap", path) : which("bwrap");
  if (!bwrap) {
    return {
      verdict: {
        available: false,
        bwrap: null,
        reason: "bwrap (bubblewrap) is not installed or not on PATH",
        hint: "Install it (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install " +
          "bubblewrap)",
      },
    };
  }
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(bwrap);
  } catch {
    return { verdict: { available: false, bwrap, reason: `cannot stat ${bwrap}` } };
  }
  const sw = SWITCHES.map((f) => {
    try {
      return Deno.readTextFileSync(f).trim();
    } catch {
      return "-";
    }
  });
  // Inside a container (another user or mount namespace) the answer may differ: part of the key.
  for (const ns of ["user", "mnt"]) {
    try {
      sw.push(Deno.readLinkSync(`/proc/self/ns/${ns}`));
    } catch {
      sw.push("-");
    }
  }
  return {
    key: [
      PROBE_VERSION,
      bwrap,
      st.ino,
      st.size,
      st.mtime?.getTime(),
      st.ctime?.getTime(),
      st.mode,
      Deno.uid(),
      ...sw,
    ].join("|"),
  };
}

/** The OS sandbox verdict for this host (cached; see the module doc). */
export function osProbe(home: string, path?: string, userNs = false): OsProbe {
  const k0 = keyOf(path);
  if ("verdict" in k0) return k0.verdict;
  const k = { key: `${k0.key}|${userNs ? "userns" : "-"}` };
  const hit = memo.get(k.key);
  if (hit) return hit;
  const bwrap = k.key.split("|")[1]!;
  const file = join(home, "cache", "os-probe.json");
  try {
    const c = JSON.parse(Deno.readTextFileSync(file));
    if (c.key === k.key && typeof c.available === "boolean" && c.bwrap === bwrap) {
      const v: OsProbe = { available: c.available, bwrap };
      if (typeof c.reason === "string") v.reason = c.reason;
      if (typeof c.hint === "string") v.hint = c.hint;
      memo.set(k.key, v);
      return v;
    }
  } catch {
    // no cache: probe
  }
  const v = probe(bwrap, userNs);
  memo.set(k.key, v);
  try {
    Deno.mkdirSync(join(home, "cache"), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${Deno.pid}.tmp`;
    Deno.writeTextFileSync(tmp, JSON.stringify({ key: k.key, ...v }), { mode: 0o600 });
    Deno.renameSync(tmp, file);
  } catch {
    // the cache is an optimisation only
  }
  return v;
}

/** Starts the smallest jail docket uses and reads why it failed. */
function probe(bwrap: string, userNs: boolean): OsProbe {
  try {
    const out = new Deno.Command(bwrap, {
      args: [
        "--ro-bind",
        "/",
        "/",
        "--dev",
        "/dev",
        "--proc",
        "/proc",
        "--tmpfs",
        "/tmp",
        "--unshare-net",
        "--unshare-pid",
        "--die-with-parent",
        "--cap-drop",
        "ALL",
        ...(userNs ? ["--unshare-user"] : []),
        "--",
        "true",
      ],
      clearEnv: true,
      env: { PATH: "/usr/bin:/bin" },
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    if (out.success) return { available: true, bwrap };
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").pop() ?? "";
    return {
      available: false,
      bwrap,
      reason: `bwrap cannot create its namespaces here: ${err.slice(0, 300) || `exit ${out.code}`}`,
      hint: /namespace|permission|operation not permitted/i.test(err)
        ? "Allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, " +
          "user.max_user_namespaces > 0; on Ubuntu >= 23.10 kernel.apparmor_restrict_" +
          "unprivileged_userns=0 or an AppArmor profile for bwrap), or run docket as root"
        : "Run the probe by hand: bwrap --ro-bind / / --unshare-net --unshare-pid true",
    };
  } catch (err) {
    return { available: false, bwrap, reason: `cannot start ${bwrap}: ${(err as Error).message}` };
  }
}
