/**
 * `docket run --audit`: the sandboxed child runs with `DENO_AUDIT_PERMISSIONS=<file>`, so Deno
 * appends one JSON line per permission check (`{"permission":"read","value":"/srv/a"}`;
 * denied checks too, entries survive SIGKILL). Measured on deno 2.9.6: reads made by module
 * loading are not logged, so the task's static import graph (`deno info`) is added as reads;
 * run checks are not logged either, so exec grants are never judged unused.
 * The report compares what was touched with what was declared: grants never used, accesses
 * outside every grant, and the minimal declaration that would have sufficed for this run.
 */
import { dirname, resolve } from "../core/path.ts";
import type { TaskGrants } from "../task_api.ts";
import { CONTEXT_ENV, TASK_API_FILES } from "./permissions.ts";
import { LineSplitter } from "../runs/line_splitter.ts";

/** Distinct values kept per permission (the count covers all). */
const MAX_VALUES = 2000;

export interface AuditReport {
  /** Permission checks Deno logged (all attempts). */
  checks: number;
  /** Distinct values touched, per permission (bounded; see `truncated`). */
  accessed: Record<string, string[]>;
  /** Accesses no grant covered (the run was denied them). */
  denied: { permission: string; value: string }[];
  /** Declared grants the task never used. */
  unused: {
    network: boolean | string[];
    required_env: string[];
    reads: string[];
    writes: boolean | string[];
    exec: string[];
    sys: string[];
  };
  /** The declaration that would have sufficed for this run (accesses that were granted). */
  minimal: {
    network: boolean | string[];
    required_env: string[];
    reads: string[];
    destructive: boolean;
    writes: string[];
    exec: string[];
    sys: string[];
  };
  truncated: boolean;
  /** Programs the task may start (exec) can write the log itself: its entries prove nothing. */
  forgeable: boolean;
  notes: string[];
}

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root === "/" ? "/" : root + "/");
}

/** `http://h:80/x` and `h:80` both become `h:80` (Deno logs both forms for one fetch). */
export function netTarget(value: string): string {
  if (!value.includes("://")) return value;
  try {
    const u = new URL(value);
    const port = u.port ||
      ({ "http:": "80", "ws:": "80", "https:": "443", "wss:": "443" } as Record<string, string>)[
        u.protocol
      ] || "";
    return port ? `${u.hostname}:${port}` : u.hostname;
  } catch {
    return value;
  }
}

function netCovered(target: string, grant: string): boolean {
  if (grant === target) return true;
  // `host` grants every port of host; `host:port` only that port.
  return !/:\d+$/.test(grant) && target.replace(/:\d+$/, "") === grant;
}

function commonAncestor(paths: string[]): string {
  if (paths.length === 1) return paths[0]!;
  let parts = paths[0]!.split("/");
  for (const p of paths.slice(1)) {
    const q = p.split("/");
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join("/") || "/";
}

/** Drops paths covered by another path of the list. */
function reduce(paths: string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && under(p, q)));
}

export class Auditor {
  readonly #values = new Map<string, Set<string>>();
  #checks = 0;
  #truncated = false;
  readonly #notes: string[] = [];
  readonly #scratch: string[] = [];

  /** Reads one attempt's audit file (then removes it); `cwd` is that attempt's scratch dir. */
  async collect(file: string, cwd: string): Promise<void> {
    this.#scratch.push(cwd);
    let f: Deno.FsFile;
    try {
      f = await Deno.open(file);
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) {
        this.#notes.push(`the audit log could not be read: ${(err as Error).message}`);
      }
      return;
    }
    const lines = new LineSplitter(64 * 1024, (line) => this.#add(line, cwd), () => {
      this.#truncated = true;
    });
    try {
      for await (const chunk of f.readable) lines.push(chunk);
      lines.end();
    } finally {
      try {
        Deno.removeSync(file);
      } catch {
        // gone
      }
    }
  }

  #add(line: string, cwd: string): void {
    if (!line.trim()) return;
    let e: { permission?: unknown; value?: unknown };
    try {
      e = JSON.parse(line);
    } catch {
      this.#truncated = true;
      return;
    }
    if (typeof e.permission !== "string") return;
    this.#checks++;
    let value = typeof e.value === "string" ? e.value : "";
    if (e.permission === "read" || e.permission === "write") value = resolve(cwd, value);
    if (e.permission === "net") value = netTarget(value);
    this.#addValue(e.permission, value);
  }

  #addValue(permission: string, value: string): void {
    let set = this.#values.get(permission);
    if (!set) this.#values.set(permission, set = new Set());
    if (set.size < MAX_VALUES) set.add(value);
    else if (!set.has(value)) this.#truncated = true;
  }

  /**
   * Builds the report. `imports` are the files of the task's static module graph (module
   * loading needs read access but Deno does not log it).
   */
  report(
    o: { grants: TaskGrants; modulePath: string; imports: string[] | undefined },
  ): AuditReport {
    const g = o.grants;
    const notes = [...this.#notes];
    if (o.imports === undefined) {
      notes.push(
        "the task's import graph could not be read: a reads grant used only by imports may be " +
          "listed as unused",
      );
    }
    for (const f of o.imports ?? []) this.#addValue("read", f);
    const implicitRead = [o.modulePath, ...TASK_API_FILES];
    const scratch = (p: string) => this.#scratch.some((d) => under(p, d));
    const declaredReads = g.reads ?? [];
    const declaredWrites: string[] | true = g.destructive === true
      ? (g.writes === undefined ? true : g.writes)
      : [];
    const env = g.required_env ?? [];
    const exec = g.exec ?? [];
    const sys = g.sys ?? [];
    const net = Array.isArray(g.network) ? g.network : g.network === true;

    const used = {
      reads: new Map<string, string[]>(),
      writes: new Map<string, string[]>(),
      allWrites: [] as string[],
      env: new Set<string>(),
      exec: new Set<string>(),
      sys: new Set<string>(),
      net: new Set<string>(),
      netGrants: new Set<string>(),
    };
    const denied: AuditReport["denied"] = [];
    const deny = (permission: string, value: string) => {
      if (denied.length < 100) denied.push({ permission, value });
      else this.#truncated = true;
    };
    const mark = (m: Map<string, string[]>, grant: string, value: string) => {
      const list = m.get(grant) ?? [];
      list.push(value);
      m.set(grant, list);
    };
    for (const [permission, values] of this.#values) {
      for (const v of values) {
        if (permission === "read") {
          if (implicitRead.includes(v) || scratch(v)) continue;
          const grant = declaredReads.find((r) => under(v, r));
          if (grant) mark(used.reads, grant, v);
          // An import no grant covers did not load: the task failed to load, not denied here.
          else if (!o.imports?.includes(v)) deny(permission, v);
        } else if (permission === "write") {
          if (scratch(v)) continue;
          if (declaredWrites === true) used.allWrites.push(v);
          else {
            const grant = declaredWrites.find((w) => under(v, w));
            if (grant) mark(used.writes, grant, v);
            else deny(permission, v);
          }
        } else if (permission === "env") {
          if ((CONTEXT_ENV as readonly string[]).includes(v)) continue;
          if (env.includes(v)) used.env.add(v);
          else deny(permission, v);
        } else if (permission === "net") {
          const grant = net === true
            ? v
            : net === false
            ? undefined
            : net.find((n) => netCovered(v, n));
          if (grant) {
            used.net.add(v);
            used.netGrants.add(grant);
          } else deny(permission, v);
        } else if (permission === "run") {
          const grant = exec.find((x) => x === v || x.split("/").pop() === v.split("/").pop());
          if (grant) used.exec.add(grant);
          else deny(permission, v);
        } else if (permission === "sys") {
          if (sys.includes(v)) used.sys.add(v);
          else deny(permission, v);
        } else deny(permission, v);
      }
    }
    const minimalReads = reduce([...used.reads.values()].map(commonAncestor));
    const minimalWrites = declaredWrites === true
      ? reduce(used.allWrites.map((w) => dirname(w)))
      : reduce([...used.writes.values()].map(commonAncestor));
    const accessed: Record<string, string[]> = {};
    for (const [k, v] of this.#values) accessed[k] = [...v].sort();
    if (exec.length) {
      notes.push(
        "Deno's audit does not record run checks (measured): exec grants are kept as declared " +
          "and programs started through them run outside Deno's sandbox, unaudited",
        "this log is not evidence: a program started through exec runs with the task's own " +
          "rights and can rewrite or erase it (measured: `: > $DENO_AUDIT_PERMISSIONS` hid a " +
          "denied read); forgeable is true",
      );
    }
    return {
      checks: this.#checks,
      accessed,
      denied,
      unused: {
        network: net === true
          ? used.net.size === 0
          : Array.isArray(net)
          ? net.filter((n) => !used.netGrants.has(n))
          : false,
        required_env: env.filter((e) => !used.env.has(e)),
        reads: declaredReads.filter((r) => !used.reads.has(r)),
        writes: declaredWrites === true
          ? used.allWrites.length === 0
          : declaredWrites.filter((w) => !used.writes.has(w)),
        exec: [],
        sys: sys.filter((s) => !used.sys.has(s)),
      },
      minimal: {
        network: used.net.size ? [...used.net].sort() : false,
        required_env: env.filter((e) => used.env.has(e)),
        reads: minimalReads,
        destructive: minimalWrites.length > 0,
        writes: minimalWrites,
        exec: [...exec],
        sys: [...used.sys].sort(),
      },
      truncated: this.#truncated,
      forgeable: exec.length > 0,
      notes,
    };
  }
}

/**
 * The local files of a module's static import graph (`deno info --json`). No code runs and
 * nothing is fetched (--no-remote --no-npm); undefined when it cannot be read.
 */
export async function importGraph(modulePath: string): Promise<string[] | undefined> {
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["info", "--json", "--no-config", "--no-lock", "--no-remote", "--no-npm", modulePath],
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    if (!out.success) return undefined;
    const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
      modules?: { local?: string; specifier?: string }[];
    };
    return (info.modules ?? []).map((m) => m.local).filter((p): p is string => !!p);
  } catch {
    return undefined;
  }
}
