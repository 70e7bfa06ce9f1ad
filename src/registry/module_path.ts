/**
 * Which module files the metadata scan may read. The scan grants `--allow-read=<file>,…`, so a
 * path must be exactly one entry of Deno's comma-separated flag list, and a drop-in must be
 * the file itself: not a symlink or a hard link to a file elsewhere (its content would be read,
 * and could be shown in an error, with a grant meant for tasks_dir).
 *
 * @module
 */
import { basename, dirname } from "../core/path.ts";

/**
 * A drop-in file name: the task name characters plus ".ts". Anything else (a comma splits the
 * flag list, "=" and spaces are legal but easy to misread, control characters reach terminals)
 * is refused rather than escaped: Deno has no escape for its flag lists.
 */
const DROPIN_FILE_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*\.ts$/;

/** Characters that would change what a flag list grants, or what a terminal shows. */
// deno-lint-ignore no-control-regex
const UNSAFE_IN_PATH = /[,\x00-\x1f\x7f]/;

/** A path as shown in messages: quoted, control characters escaped, bounded. */
export function shownPath(path: string): string {
  return JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}…` : path);
}

/**
 * Why `path` must not be scanned, or undefined. `dropin` adds the tasks_dir rules: the file
 * name allow-list, and no symlink or hard link.
 */
export function modulePathProblem(path: string, opts: { dropin: boolean }): string | undefined {
  const bad = path.match(UNSAFE_IN_PATH)?.[0];
  if (bad !== undefined) {
    const what = bad === "," ? "a comma" : "a control character";
    return `its path contains ${what}, which would change the read grant of the metadata scan`;
  }
  if (!opts.dropin) return foreignWritable(path);
  if (!DROPIN_FILE_RE.test(basename(path))) {
    return `its file name must hold letters, digits, ".", "_" and "-" only and end in ".ts"`;
  }
  let st: Deno.FileInfo;
  try {
    st = Deno.lstatSync(path);
  } catch {
    return undefined; // gone: reported as not found by the caller
  }
  if (st.isSymlink) {
    return "it is a symbolic link; drop-ins in tasks_dir must be regular files " +
      "(use a `module:` task in the config to run a file kept elsewhere)";
  }
  if (!st.isFile) return "it is not a regular file";
  if ((st.nlink ?? 1) > 1) {
    return `it has ${st.nlink} hard links; drop-ins in tasks_dir must be files of their own ` +
      "(copy the file instead of linking it)";
  }
  // Another user who can replace a drop-in runs their code with the operator's section for
  // its name (required_env secrets, writes, the timer): tasks_dir must be private, like logs_dir.
  const dir = foreignWritable(dirname(path));
  if (dir) return `tasks_dir ${shownPath(dirname(path))}: ${dir}`;
  return foreignWritable(path);
}

/**
 * Why another user could change the module file, or undefined: writable by its group or all,
 * or owned by a user other than this one and root.
 */
function foreignWritable(path: string): string | undefined {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(path);
  } catch {
    return undefined; // gone: reported as not found by the caller
  }
  const uid = Deno.uid();
  if (uid !== null && st.uid !== null && st.uid !== uid && st.uid !== 0) {
    return `it is owned by uid ${st.uid}, not by this user (uid ${uid}) or root`;
  }
  const mode = st.mode ?? 0;
  if (mode & 0o022) {
    return `it is writable by ${mode & 0o002 ? "all users" : "its group"} (mode ${
      (mode & 0o7777).toString(8).padStart(4, "0")
    }): another user could change the code docket runs (chmod go-w ${shownPath(path)})`;
  }
  return undefined;
}
