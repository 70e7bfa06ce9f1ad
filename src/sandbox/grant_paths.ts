/**
 * Canonical grants: what a declaration names is exactly what becomes a Deno flag and a report.
 *
 * Deno's `--allow-*=a,b` lists are comma-separated, so an entry holding a comma is two grants
 * (`reads: ["/a,/etc"]` grants `/etc`), and it resolves a relative path against the child's
 * cwd — the per-run scratch dir, so `reads: [".."]` granted the folder that holds every run's
 * scratch dir. So: a path is absolute and normalised (`/a/./b/../c/` → `/a/c`), and no entry
 * of any list holds a comma or a control character. Relative paths in the operator's config
 * are resolved against the config file's folder when it is validated (like `module:` and
 * `cwd:`); a task module's own declarations must be absolute. Pure: no I/O.
 */
import { normalize } from "../core/path.ts";
import type { TaskGrants } from "../task_api.ts";

export interface GrantProblem {
  /** The grant key (`reads`, `writes`, `exec`, `network`, `sys`, `required_env`). */
  key: string;
  value: string;
  message: string;
}

const PATH_KEYS = ["reads", "writes"] as const;
const LIST_KEYS = ["exec", "network", "sys", "required_env"] as const;
/** `,` separates Deno's flag lists; control characters have no place in a grant. */
// deno-lint-ignore no-control-regex
const SPECIAL = /[,\u0000-\u001f\u007f]/;

/** Why `value` cannot be one entry of a Deno flag list, or undefined when it can. */
export function flagEntryProblem(value: unknown): string | undefined {
  if (typeof value !== "string" || value === "") return "must be a non-empty string";
  const m = SPECIAL.exec(value);
  if (!m) return undefined;
  return m[0] === ","
    ? `holds a ",", which separates Deno's permission lists (it would grant ${
      value.split(",").filter((x) => x).map((x) => JSON.stringify(x)).join(" and ")
    }): rename the path or declare the folder that holds it`
    : "holds a control character";
}

/** A host name or an IPv4 literal: dot-separated labels of letters, digits and inner '-'. */
const HOST_RE =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** An IPv6 literal (hex groups, `::`, an embedded IPv4 tail). */
const IPV6_RE = /^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$/;

/**
 * Why `value` cannot be one `network` entry, or undefined: `host`, `host:port`, `[v6]`,
 * `[v6]:port` or a bare IPv6 literal — one host, as every layer reads it. Deno's --allow-net
 * also takes `*` (any host), CIDR ranges (`10.0.0.1/0` is every IPv4 address) and `*.name`
 * wildcards, which the proxy and Kubernetes read as one literal name: refused.
 */
export function networkEntryProblem(value: unknown): string | undefined {
  const p = flagEntryProblem(value);
  if (p) return p;
  const v = value as string;
  const bad = "is not host, host:port or an IP literal (Deno would read it as a wider grant: " +
    "no *, wildcards or /prefix ranges; declare each host)";
  let host = v;
  let port: string | undefined;
  const bracket = /^\[([^\]]+)\](?::([^:]*))?$/.exec(v);
  if (bracket) {
    host = bracket[1]!;
    port = bracket[2];
    if (!IPV6_RE.test(host)) return bad;
  } else if (IPV6_RE.test(v)) {
    return undefined; // a bare IPv6 literal
  } else {
    const i = v.lastIndexOf(":");
    if (i >= 0) [host, port] = [v.slice(0, i), v.slice(i + 1)];
    if (host.length > 253 || !HOST_RE.test(host)) return bad;
  }
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && +port >= 1 && +port <= 65535)) {
    return "has a port that is not a number from 1 to 65535";
  }
  return undefined;
}

/** Why `value` cannot be a declared path as it stands, or undefined when it can. */
export function grantPathProblem(value: unknown): string | undefined {
  const p = flagEntryProblem(value);
  if (p) return p;
  if (!(value as string).startsWith("/")) {
    return "is relative: declare an absolute path (relative reads/writes written in the " +
      "config file resolve against its folder; a path a task module declares, or derives " +
      "from its config, must be absolute)";
  }
  return undefined;
}

/**
 * The grants with every path normalised and every entry that cannot be granted as written
 * left out, and the problems found. A task with problems must not run (the registry makes
 * them its load error); leaving the entry out means the flags never grant more than declared.
 */
export function canonicalGrants(g: TaskGrants): { grants: TaskGrants; problems: GrantProblem[] } {
  const problems: GrantProblem[] = [];
  const out: TaskGrants = { ...g };
  const keep = (key: string, list: unknown, check: (v: unknown) => string | undefined) => {
    if (!Array.isArray(list)) return list;
    return list.filter((v) => {
      const message = check(v);
      if (message) problems.push({ key, value: String(v), message });
      return !message;
    });
  };
  for (const key of PATH_KEYS) {
    if (g[key] === undefined) continue;
    out[key] = (keep(key, g[key], grantPathProblem) as string[]).map((p) => canonicalPath(p));
  }
  for (const key of LIST_KEYS) {
    if (Array.isArray(g[key])) {
      const check = key === "network" ? networkEntryProblem : flagEntryProblem;
      (out as Record<string, unknown>)[key] = keep(key, g[key], check);
    }
  }
  return { grants: out, problems };
}

/** `/a/./b/../c/` → `/a/c`: the form Deno compares paths in (lexically, like Deno itself). */
export function canonicalPath(p: string): string {
  return normalize(p);
}

/** One line naming the first problem, for a load error or a config problem. */
export function describeProblem(p: GrantProblem): string {
  return `its ${p.key} entry ${JSON.stringify(p.value)} ${p.message}`;
}
