/**
 * What the child spec needs to know about this host (I/O lives here, so `taskChildSpec` stays
 * pure): the OS-sandbox verdict and policy, where deno, its cache and docket's code live, which
 * folders to mask, and how names resolve on the child's PATH.
 */
import type { DocketConfig } from "../config/types.ts";
import { fromFileUrl, normalize } from "../core/path.ts";
import { which } from "../core/which.ts";
import { type OsProbe, osProbe } from "./os_probe.ts";
import { denoCacheDir, denyPaths } from "./home_guard.ts";
import { ownJailCaps, ownJailUserNs } from "./caps.ts";
import { ensureNoUnixSockets, noUnixSocketsPath } from "./seccomp.ts";

export type OsPolicy = "auto" | "required" | "off";
export const OS_POLICIES = ["auto", "required", "off"] as const;

export interface HostFacts {
  probe: OsProbe;
  /** Effective for this task: the task's operator-set `sandbox.os`, else the top level's. */
  policy: OsPolicy;
  denoPath: string;
  denoDir: string;
  /** docket's own source tree (the harness, task.ts, built-in tasks). */
  docketRoot: string;
  /**
   * docket's home: readable where a mask hid it (the operator keeps other things there), with
   * docket's own files in it hidden on top (privateDirs, privateFiles).
   */
  home: string;
  /** Existing folders hidden from every jailed child. */
  masks: string[];
  /**
   * docket's own files as Deno deny flags (`--deny-read`/`--deny-write`, over any grant): the
   * finer layer for TypeScript children, and the only one where the OS layer is off.
   */
  deny: { read: string[]; write: string[] };
  /** docket's own folders and files: never visible, whatever a task declares. */
  privateDirs: string[];
  privateFiles: string[];
  timeoutBin: string | undefined;
  /** docket's home and the state DB's folder: read-only even for a task that writes anywhere. */
  ownFolders?: string[];
  /** Capabilities a jailed child keeps (see caps.ts). */
  caps?: string[];
  /** bwrap needs its own user namespace here (root without CAP_SYS_ADMIN; see caps.ts). */
  userNs?: boolean;
  /** The no-Unix-socket seccomp filter's file for jails without network (see seccomp.ts). */
  seccomp?: string | undefined;
  /** Resolves a program name as the child's PATH would (absolute path or undefined). */
  resolve: (cmd: string) => string | undefined;
  /** Canonical form of an existing path (symlinks resolved), else the path normalised. */
  real: (p: string) => string;
  exists: (p: string) => boolean;
  envSource: Record<string, string>;
}

const ROOT = fromFileUrl(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** The operator's policy for a task: per-task `sandbox.os` in the config file, else top level. */
export function osPolicyFor(cfg: DocketConfig, task: string): OsPolicy {
  const t = (cfg.tasks[task]?.sandbox as { os?: OsPolicy } | undefined)?.os;
  return t ?? cfg.sandbox?.os ?? "auto";
}

let cached: Omit<HostFacts, "policy" | "envSource"> & { key: string } | undefined;
let envMemo: Record<string, string> | undefined;

/** Per process (capabilities builds 200 specs: ≈ 0.1 ms each without the memos, measured). */
export function hostFacts(cfg: DocketConfig, task: string): HostFacts {
  const env = envMemo ??= Deno.env.toObject();
  const key = [cfg.home, cfg.logs_dir, cfg.tasks_dir, cfg.state_dir, cfg.path, env.PATH].join("\0");
  if (!cached || cached.key !== key) {
    const reals = new Map<string, string>();
    const real = (p: string) => {
      let r = reals.get(p);
      if (r !== undefined) return r;
      try {
        r = Deno.realPathSync(p);
      } catch {
        r = p.startsWith("/") ? normalize(p) : p;
      }
      reals.set(p, r);
      return r;
    };
    const isDir = (p: string) => {
      try {
        return Deno.statSync(p).isDirectory;
      } catch {
        return false;
      }
    };
    const exists = (p: string) => {
      try {
        Deno.lstatSync(p);
        return true;
      } catch {
        return false;
      }
    };
    const denoDir = denoCacheDir(env);
    // TMPDIR too: every run's scratch dir and the proxies' socket folders live there (a
    // `network: false` task reached another run's allow-list proxy through it; measured).
    const masks = ["/tmp", "/var/tmp", "/run", "/var/run", env.XDG_RUNTIME_DIR ?? "", tmpMask(env)]
      .filter((p) => p.startsWith("/") && isDir(p)).map(real);
    // The probe first: it creates cache/, which must then be among the hidden folders.
    const userNs = ownJailUserNs();
    const probe = osProbe(cfg.home, undefined, userNs);
    // The same list Deno's --deny-read holds (home_guard.ts), so the two layers never differ:
    // its folders become tmpfs, its files /dev/null; tasks_dir is hidden whole in the jail.
    const deny = denyPaths(cfg);
    const db = cfg.state_dir;
    const priv = [...deny.read, cfg.tasks_dir].filter((p) => isDir(p)).map(real);
    const files = deny.read.filter((p) => exists(p) && !isDir(p)).map(real);
    const resolved = new Map<string, string | undefined>();
    cached = {
      key,
      probe,
      denoPath: real(Deno.execPath()),
      denoDir: real(denoDir),
      docketRoot: real(ROOT),
      home: real(cfg.home),
      masks: masks.filter((m) => m !== "/"),
      privateDirs: priv.filter((p) => p !== "/"),
      privateFiles: files,
      deny,
      timeoutBin: which("timeout", env.PATH ?? ""),
      caps: ownJailCaps(),
      ownFolders: [cfg.home, db.slice(0, db.lastIndexOf("/")) || "/"].filter(isDir).map(real)
        .filter((p) => p !== "/"),
      userNs,
      seccomp: noUnixSocketsPath(`${real(cfg.home)}/cache`),
      resolve: (cmd) => {
        if (!resolved.has(cmd)) resolved.set(cmd, which(cmd, env.PATH ?? ""));
        return resolved.get(cmd);
      },
      real,
      exists,
    };
  }
  const { key: _k, ...facts } = cached;
  return { ...facts, policy: osPolicyFor(cfg, task), envSource: env };
}

/** System folders a TMPDIR may not hide from every child (the jail needs them). */
const SYSTEM = /^\/(usr|etc|bin|sbin|lib[^/]*|opt|nix|proc|sys|dev)?(\/|$)/;

/** The temp dir docket creates scratch and proxy folders in (Deno: TMPDIR, else /tmp). */
function tmpMask(env: Record<string, string>): string {
  const t = normalize(env.TMPDIR || "/tmp");
  return t.startsWith("/") && !SYSTEM.test(t) ? t : "";
}

/**
 * A bind mount needs its source: a declared `writes` path that does not exist yet is created
 * before a jailed run, as the task itself could have done: an empty file when its name has an
 * extension (`out.json`), else a folder (with its parents).
 */
export function prepareDirs(spec: { mkdirs: string[]; touch: string[]; filter?: string }): void {
  if (spec.filter) ensureNoUnixSockets(spec.filter);
  for (const f of spec.touch) Deno.writeFileSync(f, new Uint8Array(), { mode: 0o600 });
  for (const d of spec.mkdirs) {
    try {
      Deno.lstatSync(d);
    } catch {
      const name = d.slice(d.lastIndexOf("/") + 1);
      if (/^[^.].*\.[A-Za-z0-9]+$/.test(name)) {
        Deno.mkdirSync(d.slice(0, d.lastIndexOf("/")) || "/", { recursive: true, mode: 0o700 });
        Deno.writeFileSync(d, new Uint8Array(), { mode: 0o600, createNew: true });
      } else Deno.mkdirSync(d, { recursive: true, mode: 0o700 });
    }
  }
}
