/**
 * Deno checks a path against `--allow-read`/`--allow-write` as written, without resolving
 * symlinks: a link that already sits inside a granted directory lets the task read or write
 * where it leads (measured, deno 2.9.6). Before a run, docket looks for such links under the
 * task's declared `reads`/`writes` and refuses the run if one leads outside every granted path.
 *
 * Hard links are the same hole for writes: a regular file with a second name elsewhere is
 * that other file, so writing it inside a granted path changes a file outside it. Their other
 * names cannot be found cheaply, so any regular file with more than one link under a declared
 * `writes` path refuses the run.
 */
import { dirname, resolve } from "../core/path.ts";
import type { TaskGrants } from "../task_api.ts";
import { DocketError } from "../core/errors.ts";

export interface EscapingLink {
  /** Which grant the link sits under. */
  permission: "read" | "write";
  /** The declared path it was found under. */
  declared: string;
  link: string;
  /** Where it leads (resolved). */
  target: string;
}

export interface HardLink {
  /** The declared `writes` path it was found under. */
  declared: string;
  file: string;
  /** Its link count (more than 1: another name, possibly outside, is the same file). */
  nlink: number;
}

export interface LinkScan {
  links: EscapingLink[];
  /** Regular files with more than one link under a declared `writes` path. */
  hardlinks: HardLink[];
  /** False when the walk stopped at `maxEntries`: links further down were not looked at. */
  complete: boolean;
  scanned: number;
}

/** Directory entries looked at, over all declared paths, before giving up (a few ms each 1000). */
export const MAX_SCAN_ENTRIES = 10_000;

function real(p: string): string | undefined {
  try {
    return Deno.realPathSync(p);
  } catch {
    return undefined;
  }
}

function inside(p: string, root: string): boolean {
  return p === root || p.startsWith(root.endsWith("/") ? root : root + "/");
}

/** Where a link leads: its real path, or (dangling) its target resolved lexically. */
function linkTarget(link: string): string {
  const r = real(link);
  if (r) return r;
  try {
    const t = resolve(dirname(link), Deno.readLinkSync(link));
    const parent = real(dirname(t));
    return parent ? resolve(parent, t.slice(dirname(t).length + 1)) : t;
  } catch {
    return link;
  }
}

/**
 * Lists symlinks under the declared paths that lead outside all paths of the same grant.
 * Only for tasks whose file access Deno enforces (no `exec`: programs run outside the sandbox).
 */
export function findEscapingLinks(grants: TaskGrants, maxEntries = MAX_SCAN_ENTRIES): LinkScan {
  const out: LinkScan = { links: [], hardlinks: [], complete: true, scanned: 0 };
  if ((grants.exec ?? []).length) return out;
  const sets: ["read" | "write", string[]][] = [["read", grants.reads ?? []]];
  if (grants.destructive === true && Array.isArray(grants.writes)) {
    sets.push(["write", grants.writes]);
  }
  for (const [permission, declared] of sets) {
    const roots = declared.filter((d) => d.startsWith("/"))
      .map((d) => ({ declared: d, root: real(d) }))
      .filter((r): r is { declared: string; root: string } => r.root !== undefined);
    const allowed = (t: string) => roots.some((r) => inside(t, r.root));
    const linked = (declared: string, file: string) => {
      if (permission !== "write") return;
      try {
        const st = Deno.lstatSync(file);
        if (st.isFile && (st.nlink ?? 1) > 1) {
          out.hardlinks.push({ declared, file, nlink: st.nlink! });
        }
      } catch {
        // gone meanwhile: nothing to write through
      }
    };
    for (const { declared: d, root } of roots) {
      linked(d, root); // a declared file, not only files below a declared folder
      const stack = [root];
      while (stack.length) {
        const dir = stack.pop()!;
        let entries: Deno.DirEntry[];
        try {
          entries = [...Deno.readDirSync(dir)];
        } catch {
          continue; // a file, or unreadable: nothing below it
        }
        for (const e of entries) {
          if (++out.scanned > maxEntries) {
            out.complete = false;
            return out;
          }
          const p = `${dir === "/" ? "" : dir}/${e.name}`;
          if (e.isSymlink) {
            const target = linkTarget(p);
            if (!allowed(target)) out.links.push({ permission, declared: d, link: p, target });
          } else if (e.isDirectory) stack.push(p);
          else if (e.isFile) linked(d, p);
        }
      }
    }
  }
  return out;
}

/** Refuses a run whose declared paths hold a link leading outside them (permission_denied). */
export function assertNoEscapingLinks(task: string, grants: TaskGrants): void {
  const scan = findEscapingLinks(grants);
  const first = scan.links[0];
  if (!first && !scan.complete) {
    // An unchecked rest may hold such a link: refusing is the only answer that stays true.
    throw new DocketError(
      "permission_denied",
      `Cannot run task "${task}": its declared reads/writes paths hold more than ` +
        `${scan.scanned} entries, too many to check for symlinks leading outside them`,
      {
        hint: "Declare narrower paths (the files or folders the task really uses)",
        details: { permission: "read", scanned: scan.scanned },
      },
    );
  }
  const hard = scan.hardlinks[0];
  if (!first && hard) {
    throw new DocketError(
      "permission_denied",
      `Cannot run task "${task}": its declared writes path "${hard.declared}" holds "${hard.file}", ` +
        `a file with ${hard.nlink} hard links: writing it would change the same file elsewhere`,
      {
        hint: "Replace the file with a copy (cp --remove-destination, or remove the other " +
          "links), or declare a writes path without hard-linked files",
        details: { permission: "write", target: hard.file, hardlinks: scan.hardlinks },
      },
    );
  }
  if (!first) return;
  throw new DocketError(
    "permission_denied",
    `Cannot run task "${task}": its declared ${first.permission === "read" ? "reads" : "writes"} ` +
      `path "${first.declared}" holds a symlink "${first.link}" that leads outside it, to ` +
      `"${first.target}"`,
    {
      hint: `Deno's sandbox follows such links: remove the link, or declare "${first.target}" ` +
        `in the task's ${first.permission === "read" ? "reads" : "writes"}`,
      details: { permission: first.permission, target: first.target, links: scan.links },
    },
  );
}
