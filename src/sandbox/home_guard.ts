/**
 * docket's own files are never a task's: whatever a task declares, a `reads` or `writes` path
 * that is, lies inside or contains docket's config file, state database, logs_dir or cache
 * (or, for writes, tasks_dir), or that is or contains docket's home, is refused
 * (`grant_refused`) before anything runs. The config holds notification
 * tokens, the state DB every run's details, the logs every task's output: a task that could
 * read them could hand them to an MCP client, one that could write them could forge history.
 */
import { DocketError } from "../core/errors.ts";
import { fromFileUrl, join, normalize, resolve } from "../core/path.ts";
import type { DocketConfig } from "../config/types.ts";
import type { TaskGrants } from "../task_api.ts";
import { CACHE_KEY_FILE } from "../core/cache_seal.ts";

export interface ProtectedPath {
  what: string;
  path: string;
  /** Only a path equal to or containing it is refused (the home holds the user's own files). */
  containerOnly?: boolean;
  /** Refused for writes only (tasks_dir: reading a drop-in's sibling files is documented). */
  writesOnly?: boolean;
}

/** docket's own source tree (main.ts, src/, the built-in tasks). */
const DOCKET_ROOT = fromFileUrl(new URL("../../", import.meta.url)).replace(/\/$/, "");

/** Deno's cache as Deno itself finds it: DENO_DIR, else $XDG_CACHE_HOME/deno, else ~/.cache/deno. */
export function denoCacheDir(env: Record<string, string | undefined>): string {
  return env.DENO_DIR ?? `${env.XDG_CACHE_HOME ?? `${env.HOME ?? "/"}/.cache`}/deno`;
}

/**
 * What docket runs with its own rights: its source, the Deno that runs it and Deno's cache
 * (docket's npm dependencies, and every task's compiled code). A task that could write them
 * would run its code as docket on the next command, so they are refused for writes; reading
 * them is harmless (the child needs to).
 */
function docketCode(): ProtectedPath[] {
  return [
    { what: "docket's own code", path: DOCKET_ROOT, writesOnly: true },
    { what: "the Deno executable that runs docket", path: Deno.execPath(), writesOnly: true },
    {
      what: "Deno's cache (DENO_DIR), which docket loads its own code from",
      path: denoCacheDir(Deno.env.toObject()),
      writesOnly: true,
    },
  ];
}

/**
 * The files and folders docket keeps for itself. The home itself may hold other files of
 * the user's (tests put data there), so only a path that is or contains it is refused there;
 * each of docket's own entries is refused equal, inside or containing.
 */
export function protectedPaths(cfg: DocketConfig): ProtectedPath[] {
  const db = cfg.state_dir;
  return [
    { what: "docket's home", path: cfg.home, containerOnly: true },
    { what: "the config file", path: cfg.path },
    ...["", "-wal", "-shm", "-journal"].map((x) => ({
      what: "the state database",
      path: `${db}${x}`,
    })),
    { what: "logs_dir", path: cfg.logs_dir },
    { what: "docket's cache", path: join(cfg.home, "cache") },
    // The secret that seals the caches: a task holding it could forge what docket trusts.
    { what: "docket's cache key", path: join(cfg.home, CACHE_KEY_FILE) },
    { what: "tasks_dir", path: cfg.tasks_dir, writesOnly: true },
    // Every run's scratch dir is made there (a run's secrets may be in it): a task gets its
    // own, and a folder inside the temp dir, never the temp dir itself or what contains it.
    { what: "the temp dir holding every run's scratch dir", path: tempDir(), containerOnly: true },
    ...docketCode(),
  ];
}

/** What Deno denies every TypeScript task, over any grant (see DeriveInput.deny). */
export function denyPaths(cfg: DocketConfig): { read: string[]; write: string[] } {
  const own = protectedPaths(cfg).filter((p) => !p.containerOnly);
  return {
    read: own.filter((p) => !p.writesOnly).map((p) => p.path),
    write: own.map((p) => p.path),
  };
}

/**
 * Where an absolute path leads through its symlinks: its real path, or, when it does not exist
 * (yet), its nearest existing ancestor's real path with the rest appended — a file to be
 * created under a symlinked folder lands where the link points (`/tmp/l/new` with
 * `/tmp/l → <home>/logs` is `<home>/logs/new`). Undefined when nothing of it resolves.
 */
export function realOrNearest(p: string): string | undefined {
  let head = normalize(p);
  let tail = "";
  for (;;) {
    try {
      const real = Deno.realPathSync(head);
      return tail ? join(real, tail) : real;
    } catch {
      if (head === "/") return undefined;
      const i = head.lastIndexOf("/");
      tail = tail ? `${head.slice(i + 1)}/${tail}` : head.slice(i + 1);
      head = head.slice(0, i) || "/";
    }
  }
}

/**
 * Where a declared path can lead: as written (relative paths resolve against the task's cwd,
 * a scratch dir under the temp dir) and through its symlinks (realOrNearest).
 */
/** Where Deno.makeTempDirSync makes every run's scratch dir. */
function tempDir(): string {
  return Deno.env.get("TMPDIR") || "/tmp";
}

function forms(p: string): string[] {
  const lexical = resolve(join(tempDir(), "docket-scratch"), p);
  const real = realOrNearest(lexical);
  return real && real !== lexical ? [lexical, real] : [lexical];
}

function under(inner: string, outer: string): boolean {
  return outer === "/" || inner.startsWith(`${outer}/`);
}

/** Whether a declared path (`form`) reaches a protected one `g`. */
function reaches(form: string, g: ProtectedPath): boolean {
  const x = form.replace(/\/+$/, "") || "/";
  const y = g.path.replace(/\/+$/, "") || "/";
  return x === y || under(y, x) || (!g.containerOnly && under(x, y));
}

/** The first declared path that reaches a protected one, or null. */
export function homeConflict(
  cfg: DocketConfig,
  grants: TaskGrants,
): { grant: "reads" | "writes"; path: string; protected: ProtectedPath } | null {
  const guarded = protectedPaths(cfg).flatMap((g) => forms(g.path).map((path) => ({ ...g, path })));
  for (const grant of ["reads", "writes"] as const) {
    for (const path of grants[grant] ?? []) {
      for (const form of forms(path)) {
        const hit = guarded.find((g) => (grant === "writes" || !g.writesOnly) && reaches(form, g));
        if (hit) return { grant, path, protected: hit };
      }
    }
  }
  return null;
}

export function assertNoDocketPaths(cfg: DocketConfig, task: string, grants: TaskGrants): void {
  const c = homeConflict(cfg, grants);
  if (!c) return;
  throw new DocketError(
    "grant_refused",
    `Cannot run task "${task}": its ${c.grant} path "${c.path}" reaches ${c.protected.what} ` +
      `("${c.protected.path}"), which no task may ${c.grant === "reads" ? "read" : "write"}`,
    {
      hint: `Remove "${c.path}" from the task's ${c.grant} (in its module or the config); ` +
        "docket's home, config, state database, logs and cache are never granted to a task, " +
        "nor writes to docket's code, its Deno or Deno's cache",
      details: { task, grant: c.grant, path: c.path, protected: c.protected.path },
    },
  );
}
