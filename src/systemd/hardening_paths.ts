// The filesystem view of a unit (ProtectSystem=, ProtectHome=, PrivateTmp=, ReadWritePaths=,
// Bind*Paths=), derived from what docket itself writes and what the task declares. Pure.
import { dirname, join } from "../core/path.ts";
import type { Directive, HardeningInput, HardeningTask } from "./hardening_types.ts";
import { pathWord } from "./units.ts";

const list = (paths: readonly string[]) => paths.map(pathWord).join(" ");

/** Where ProtectHome= applies (systemd.exec(5)). */
const HOME_ROOTS = ["/home", "/root", "/run/user"];
/** What PrivateTmp= replaces with an empty private folder. */
const TMP_ROOTS = ["/tmp", "/var/tmp"];

export const under = (p: string, roots: readonly string[]) =>
  roots.some((r) => p === r || p.startsWith(`${r}/`));

/** Paths sorted, and those inside another listed path dropped. */
export function minimalPaths(paths: readonly string[]): string[] {
  const sorted = [...new Set(paths)].sort();
  return sorted.filter((p) => !sorted.some((q) => q !== p && under(p, [q])));
}

/** The folders docket writes for every run: the state DB with its WAL, logs, caches. */
export function docketWrites(cfg: HardeningInput["cfg"]): string[] {
  return minimalPaths([dirname(cfg.state_dir), cfg.logs_dir, join(cfg.home, "cache")]);
}

/** What the unit must be able to read besides the OS: docket, Deno, config, task code. */
function docketReads(t: HardeningTask, i: HardeningInput): string[] {
  const argvPaths = i.docketArgv.filter((a) => a.startsWith("/"))
    .map((a, n) => n === 0 ? a : dirname(a));
  return [
    ...argvPaths,
    ...(i.denoDir ? [i.denoDir] : []),
    ...(i.resolvedPaths ?? []),
    i.cfg.path,
    i.cfg.tasks_dir,
    ...(t.module?.startsWith("/") ? [t.module] : []),
  ];
}

/** Whether the task's programs are unknown to docket (they may read anything). */
export function runsPrograms(t: HardeningTask): boolean {
  return t.source === "command" || (t.grants.exec?.length ?? 0) > 0;
}

const hasHooks = (t: HardeningTask) =>
  ["on_success", "on_failure", "on_complete"].some((k) => t.config[k] !== undefined);

export function fileSystemDirectives(t: HardeningTask, i: HardeningInput): Directive[] {
  const g = t.grants;
  const writesEverywhere = g.destructive === true && g.writes === undefined;
  const declaredWrites = g.destructive === true ? (g.writes ?? []) : [];
  const own = docketWrites(i.cfg);
  const reads = [...docketReads(t, i), ...(g.reads ?? [])];
  const out: Directive[] = [];
  const d = (directive: string, value: string, reason: string) =>
    out.push({ directive, value, reason });

  if (writesEverywhere) {
    d(
      "ProtectSystem",
      "full",
      "destructive: true without a writes list means writes anywhere, so the unit cannot be " +
        "read-only; /usr, /boot and /etc stay read-only (docket never writes there)",
    );
  } else {
    d(
      "ProtectSystem",
      "strict",
      "the whole tree is read-only except the paths below: docket writes only its state DB " +
        "folder, its logs and caches, scratch in /tmp, and what the task declares",
    );
  }

  const privateTmp = ![...own, ...declaredWrites, ...reads].some((p) => under(p, TMP_ROOTS));
  // Deno-only tasks read exactly what they declare; programs (exec, command tasks, hooks) may
  // read any home folder, so those keep a read-only view of /home instead of an empty one.
  const homeTmpfs = i.scope === "system" && !runsPrograms(t) && !hasHooks(t) && !writesEverywhere;
  const tmp = privateTmp ? [] : TMP_ROOTS;
  const rwPaths = minimalPaths([...own, ...declaredWrites, ...tmp]);
  // A missing declared path would stop the unit from starting: '-' makes systemd skip it.
  const entry = (p: string) => own.includes(p) || tmp.includes(p) ? p : `-${p}`;
  const bindRw = homeTmpfs ? rwPaths.filter((p) => under(p, HOME_ROOTS)) : [];
  const plainRw = rwPaths.filter((p) => !bindRw.includes(p)).map(entry);
  if (!writesEverywhere) {
    if (plainRw.length) {
      d(
        "ReadWritePaths",
        list(plainRw),
        "docket's state DB folder (SQLite writes its -wal and -shm beside the DB), logs_dir and " +
          "DOCKET_HOME/cache; declared writes (a destination) with '-': skipped if missing" +
          (privateTmp ? "" : "; /tmp and /var/tmp, because docket's own files live there"),
      );
    }
  }
  // With the default state_dir, all of DOCKET_HOME is writable: keep what steers docket (the
  // config, the drop-in tasks, the task's module) read-only inside it.
  const steering = minimalPaths([i.cfg.path, i.cfg.tasks_dir, ...(t.module ? [t.module] : [])])
    .filter((p) => p.startsWith("/") && under(p, rwPaths) && !own.includes(p));
  if (!writesEverywhere && steering.length) {
    d(
      "ReadOnlyPaths",
      list(steering.map((p) => `-${p}`)),
      "the config, tasks_dir and the task's module stay read-only inside the writable " +
        "DOCKET_HOME: nothing in a run may rewrite what docket will run next",
    );
  }
  if (privateTmp) {
    d(
      "PrivateTmp",
      "yes",
      "a private /tmp and /var/tmp: the per-run scratch folders go there and vanish with the unit",
    );
  }
  if (writesEverywhere) return out;
  if (homeTmpfs) {
    d(
      "ProtectHome",
      "tmpfs",
      "the task is Deno code that reads only what it declares: home folders are empty, and " +
        "what docket and the task need there is bound back below",
    );
    if (bindRw.length) {
      d(
        "BindPaths",
        list(bindRw.map(entry)),
        "writable: docket's folders and declared writes that live under a home folder",
      );
    }
    const ro = minimalPaths(reads.filter((p) => under(p, HOME_ROOTS)))
      .filter((p) => !under(p, bindRw));
    if (ro.length) {
      d(
        "BindReadOnlyPaths",
        list(ro.map((p) => `-${p}`)),
        "read-only: the Deno binary, DENO_DIR, the docket code, the config, tasks_dir and the " +
          "task's declared reads, where they live under a home folder",
      );
    }
  } else {
    d(
      "ProtectHome",
      "read-only",
      i.scope === "user"
        ? "the user's own home stays readable (Deno, its cache and docket usually live there); " +
          "DOCKET_HOME is writable through ReadWritePaths="
        : "the task runs programs or hooks that may read any home folder (a backup's source): " +
          "readable, never writable except through ReadWritePaths=",
    );
  }
  return out;
}
