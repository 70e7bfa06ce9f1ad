// systemd hardening of one task's service, derived from its declarations and the operator's
// config. One pure function: `docket install` writes exactly this list, `describe` shows it.
import { DocketError } from "../core/errors.ts";
import { runBudgetSeconds } from "./budget.ts";
import { docketWrites, fileSystemDirectives, under } from "./hardening_paths.ts";
import { networkDirectives } from "./hardening_net.ts";
import type { Directive, HardeningInput, HardeningTask } from "./hardening_types.ts";

export type { Directive, HardeningInput, HardeningTask } from "./hardening_types.ts";

/** Time systemd grants beyond the run's own budget, so docket can record the run. */
export const TIMEOUT_MARGIN_SECONDS = 60;
/**
 * Memory for docket itself on top of a task's `max_memory_mb` (the child's V8 heap cap):
 * the orchestrator and the child's non-heap memory measured ≈ 50 MB RSS each (Deno 2.9.6).
 */
export const DOCKET_MEMORY_MB = 256;

/**
 * Syscall groups denied: none is made by docket, Deno, bubblewrap, rsync or df (strace of
 * real runs: 95 distinct syscalls, all in SYSCALL_ALLOW, none in these).
 */
export const SYSCALL_DENY =
  "~@clock @cpu-emulation @debug @module @obsolete @raw-io @reboot @resources @swap";
/** Allowed: a service's usual set, mounts for bubblewrap, memory keys for V8. */
export const SYSCALL_ALLOW = "@system-service @mount pkey_alloc pkey_free pkey_mprotect";

/** `run_as` for a task: the operator's task section first, then the top-level key. */
export function runAsOf(t: HardeningTask, cfg: HardeningInput["cfg"]): string | undefined {
  // Read from the operator's config only: a module's defaults must not pick the unit's user.
  const own = cfg.tasks[t.name]?.run_as;
  return typeof own === "string" ? own : cfg.run_as;
}

/** Every [Service] hardening line for task `t`, with its reason. */
export function systemdHardening(t: HardeningTask, i: HardeningInput): Directive[] {
  const system = i.scope === "system";
  const runAs = system ? runAsOf(t, i.cfg) : undefined;
  if (!system && runAsOf(t, i.cfg) !== undefined) {
    throw new DocketError(
      "config_invalid",
      `Cannot generate a user unit for task "${t.name}" with run_as: a user manager runs ` +
        "services only as its own user",
      { hint: "Install with --system, or remove run_as", details: { task: t.name } },
    );
  }
  const out: Directive[] = [];
  const d = (directive: string, value: string, reason: string) =>
    out.push({ directive, value, reason });
  const root = system && runAs === undefined;
  // Root's programs that copy files keep owners and modes (rsync -a): they need these.
  const copyCaps = root && t.grants.destructive === true && (t.grants.exec?.length ?? 0) > 0;

  if (runAs === "dynamic") {
    dynamicUser(t, i, d);
  } else if (runAs !== undefined) {
    d(
      "User",
      runAs,
      "run_as: docket runs as this user, not root; DOCKET_HOME and its state, logs and cache " +
        "must be owned by it, and Deno, DENO_DIR and the config readable by it",
    );
  }
  d("NoNewPrivileges", "yes", "docket never gains privileges; bubblewrap here is not setuid");
  out.push(...fileSystemDirectives(t, i));
  d("PrivateDevices", "yes", "docket and its tasks use only /dev/null, zero, random and ptys");
  d("PrivateMounts", "yes", "mounts made inside the unit (bubblewrap's jail) stay inside it");
  d(
    "PrivateIPC",
    "yes",
    "the unit runs one task: no SysV IPC or POSIX message queue is shared with other units (the jail itself keeps the unit's IPC namespace)",
  );
  for (const [k, why] of PROTECT) d(k, "yes", why);
  d(
    "ProtectProc",
    "invisible",
    runAs === undefined
      ? "lost-run detection reads /proc/<pid>/stat of runners: a root unit still sees every " +
        "pid (the kernel exempts group 0 from hidepid, measured), so nothing changes for it"
      : "other users' processes are hidden; lost-run detection sees the runners of this " +
        "user, so run docket on this DOCKET_HOME only as it (root's live runs would look lost)",
  );
  if (!system || !copyCaps) {
    d(
      "PrivateUsers",
      "yes",
      system
        ? "docket needs no other user's files; bubblewrap nests its own user namespace inside"
        : "a user manager can set up the namespaces below only inside a user namespace",
    );
  }
  d("RestrictSUIDSGID", "yes", "docket creates no setuid or setgid files");
  d("RestrictRealtime", "yes", "docket needs no realtime scheduling");
  d("LockPersonality", "yes", "Deno and bubblewrap run with the default personality");
  d("SystemCallArchitectures", "native", "Deno and bubblewrap are native binaries");
  d(
    "SystemCallFilter",
    SYSCALL_ALLOW,
    "the syscalls docket, Deno, bubblewrap (mount, pivot_root) and V8 (pkey_*) make, " +
      "traced with strace",
  );
  d("SystemCallFilter", SYSCALL_DENY, "groups none of them uses");
  d(
    "SystemCallErrorNumber",
    "EPERM",
    "a refused syscall fails with EPERM instead of killing docket before it records the run",
  );
  if (system) capabilities(runAs, copyCaps, d);
  d(
    "RestrictNamespaces",
    "user mnt net pid",
    "exactly the namespaces bubblewrap creates for the task's jail",
  );
  d("UMask", "0077", "docket's state, logs and caches are private to their owner");
  out.push(...networkDirectives(t, i));
  const memory = t.grants.max_memory_mb;
  if (typeof memory === "number" && Number.isFinite(memory) && memory > 0) {
    d(
      "MemoryMax",
      `${Math.ceil(memory) + DOCKET_MEMORY_MB}M`,
      `max_memory_mb ${memory} for the task's heap plus ${DOCKET_MEMORY_MB} MiB for docket ` +
        "itself and the child's non-heap memory (≈ 50 MB RSS each, measured)",
    );
  }
  const budget = runBudgetSeconds(t.config);
  d(
    "TimeoutStartSec",
    budget === undefined ? "infinity" : String(Math.ceil(budget) + TIMEOUT_MARGIN_SECONDS),
    budget === undefined
      ? "no timeout_seconds declared: docket sets no limit, so neither does systemd"
      : "every attempt's timeout and kill grace, the backoff between attempts, hooks and " +
        `notifications, plus ${TIMEOUT_MARGIN_SECONDS} s for docket to record the run`,
  );
  return out;
}

/**
 * Not set: ProtectKernelTunables= and ProtectKernelLogs=. Both put mounts over parts of /proc
 * (/proc/sys read-only, /proc/kmsg masked), and then Linux refuses the fresh /proc that
 * bubblewrap mounts for the task's PID namespace (measured: after `mount -o bind,ro /proc/sys
 * /proc/sys`, `bwrap --unshare-user --unshare-pid --proc /proc` fails with "Can't mount proc
 * on /newroot/proc: Operation not permitted"; hidepid and a read-only /sys do not matter).
 * The jail itself keeps /proc/sys read-only for the task.
 */
const PROTECT: [string, string][] = [
  ["ProtectKernelModules", "docket loads no kernel modules"],
  ["ProtectControlGroups", "docket never writes cgroups; systemd's limits apply from outside"],
  ["ProtectClock", "docket reads the clock, never sets it"],
  ["ProtectHostname", "docket never sets the hostname (a jail sees the host's)"],
];

function capabilities(
  runAs: string | undefined,
  copyCaps: boolean,
  d: (k: string, v: string, why: string) => void,
): void {
  if (runAs !== undefined) {
    d("CapabilityBoundingSet", "", "not root: bubblewrap works unprivileged (measured)");
  } else {
    const caps = ["CAP_SETFCAP", ...(copyCaps ? COPY_CAPS : [])];
    d(
      "CapabilityBoundingSet",
      caps.join(" "),
      "CAP_SETFCAP: root maps itself into bubblewrap's user namespace, which Linux ≥ 5.12 " +
        'allows only with it (measured: "setting up uid map: Operation not permitted")' +
        (copyCaps
          ? "; CAP_CHOWN CAP_DAC_READ_SEARCH CAP_FOWNER CAP_FSETID: the task's programs copy " +
            "files as root, reading any source and keeping owners and modes (rsync -a)"
          : ""),
    );
  }
  d("AmbientCapabilities", "", "no capability is passed to docket's children");
}

const COPY_CAPS = ["CAP_CHOWN", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID"];

/** DynamicUser=yes: a fresh uid each start, so docket's folders must be its StateDirectory. */
function dynamicUser(
  t: HardeningTask,
  i: HardeningInput,
  d: (k: string, v: string, why: string) => void,
): void {
  const m = /^\/var\/lib\/([A-Za-z0-9_.-]+)$/.exec(i.cfg.home);
  if (!m || !docketWrites(i.cfg).every((p) => under(p, [i.cfg.home]))) {
    throw new DocketError(
      "config_invalid",
      `Cannot use run_as: dynamic for task "${t.name}": DOCKET_HOME "${i.cfg.home}" is not ` +
        "a folder directly under /var/lib holding the state DB, logs and cache",
      {
        hint: "Set DOCKET_HOME=/var/lib/docket (state_dir and logs_dir inside it), or set " +
          "run_as to an existing user that owns DOCKET_HOME",
        details: { task: t.name, home: i.cfg.home },
      },
    );
  }
  d(
    "DynamicUser",
    "yes",
    "run_as: dynamic: a throw-away uid per run; systemd owns the StateDirectory for it",
  );
  d("StateDirectory", m[1]!, "DOCKET_HOME, made writable and owned by the dynamic user");
}
