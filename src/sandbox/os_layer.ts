/**
 * What the OS layer means for one task on this host: whether it is used (policy, probe), who
 * enforces each permission, and the notes `describe` prints. Pure; the child spec calls it, so
 * the report and the argv come from one decision.
 */
import type { TaskGrants } from "../task_api.ts";
import type { HostFacts, OsPolicy } from "./host.ts";
import type { Enforcement, Permissions } from "./permissions.ts";

interface GrantedTask {
  source: string;
  grants: TaskGrants;
}

export interface OsLayer {
  /** `bwrap` when the child runs inside the OS sandbox, else null. */
  layer: "bwrap" | null;
  policy: OsPolicy;
  /** Why the OS layer is not used (policy off, bwrap missing, namespaces denied). */
  reason?: string;
  /** Set when `sandbox.os: required` cannot be met: the run is refused with this. */
  refused?: { message: string; hint: string };
}

/**
 * Who enforces each declaration of this task on this host. The OS layer is what holds for
 * programs (command tasks, `exec`); Deno's flags for Deno code. A network allow-list for
 * programs: no interfaces plus docket's allow-listing proxy (os). `read` for programs is
 * advisory: the jail shows the whole root read-only except the masked folders.
 */
export function enforcement(
  task: GrantedTask,
  jailed: boolean,
): Required<Permissions["enforced_by"]> {
  const g = task.grants;
  const programs = task.source === "command" || (g.exec ?? []).length > 0;
  if (!programs) {
    return { network: "deno", env: "deno", write: "deno", read: "deno", processes: "deno" };
  }
  const os: Enforcement = jailed ? "os" : "advisory";
  return {
    network: os,
    env: task.source === "command" ? "env_filter" : "deno",
    write: os,
    read: "advisory",
    processes: os,
  };
}

/** Ports of declared `127.0.0.1:PORT` / `localhost:PORT` entries: forwarded inside the jail. */
export function localPorts(list: string[]): number[] {
  const out: number[] = [];
  for (const e of list) {
    const m = /^(127\.0\.0\.1|localhost):(\d{1,5})$/i.exec(e.trim());
    if (m && Number(m[2]) > 0 && Number(m[2]) < 65536) out.push(Number(m[2]));
  }
  return out;
}

export function osLayer(host: HostFacts): OsLayer {
  const policy = host.policy;
  if (policy === "off") return { layer: null, policy, reason: "sandbox.os is off in the config" };
  if (!host.probe.available) {
    const reason = host.probe.reason ?? "bwrap does not work here";
    const o: OsLayer = { layer: null, policy, reason };
    if (policy === "required") {
      o.refused = {
        message: `The OS sandbox is required (sandbox.os: required) but unavailable: ${reason}`,
        hint: host.probe.hint ?? "Run `docket doctor`; or set sandbox.os: auto in the config",
      };
    }
    return o;
  }
  return { layer: "bwrap", policy };
}

export function jailNotes(
  programs: boolean,
  list: boolean,
  dryRun = false,
  noSockets = false,
): string[] {
  const writable = dryRun
    ? "only scratch writable (a dry run: not the declared writes, for programs too)"
    : "scratch and declared writes writable";
  const n = [
    "OS sandbox (bwrap): root read-only, docket's home, /tmp, /run and other runs' scratch " +
    `hidden; ${writable}; own PID namespace (nothing outlives the run)`,
  ];
  if (programs) {
    n.push(
      "reads is not a limit for programs: they can read the whole (read-only) root except " +
        "the hidden folders; reads inside those are bound back read-only",
    );
  }
  if (list && programs) {
    n.push(
      "network allow-list for programs: no interfaces; docket's proxy (HTTP_PROXY, CONNECT) " +
        "passes only the listed host[:port], and 127.0.0.1/localhost ports are forwarded; " +
        "named Unix sockets outside the hidden folders stay reachable (the forwarder uses one)",
    );
  }
  if (noSockets) {
    n.push(
      "no network: no Unix socket can be created either (seccomp: socket(AF_UNIX) fails, " +
        "socketpair works), so no named socket anywhere is reachable",
    );
  }
  return n;
}
