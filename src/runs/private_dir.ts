/**
 * docket's own folders (its home, logs_dir) must not be writable by other users: one who can
 * write there can plant a symlink or a FIFO where a run's log will be created and make docket
 * append task output to another file, or block with the task's lock held.
 */
import { DocketError } from "../core/errors.ts";

/** Why `dir` is not private to this user, or undefined when it is (or does not exist). */
export function notPrivate(dir: string): string | undefined {
  let st: Deno.FileInfo;
  try {
    st = Deno.statSync(dir);
  } catch {
    return undefined;
  }
  const mode = st.mode ?? 0;
  const uid = Deno.uid();
  if (uid !== null && st.uid !== null && st.uid !== uid) {
    return `it is owned by uid ${st.uid}, not by this user (uid ${uid})`;
  }
  if (mode & 0o022) {
    return `it is writable by ${mode & 0o002 ? "all users" : "its group"} (mode ${
      (mode & 0o7777).toString(8).padStart(4, "0")
    })`;
  }
  return undefined;
}

/** Throws an io_error naming the problem and the fix when `dir` is not private. */
export function assertPrivateDir(label: string, dir: string): void {
  const why = notPrivate(dir);
  if (!why) return;
  throw new DocketError("io_error", `Refusing to use ${label} "${dir}": ${why}`, {
    hint: `Make it yours and private: chmod go-w ${dir} (or chown it), or set ${label} elsewhere`,
    details: { [label]: dir },
  });
}

/**
 * Creates a run's log without following links: O_CREAT|O_EXCL fails on anything already at the
 * path (a symlink, a FIFO, a planted file), which is removed (unlink does not follow links)
 * and the create tried once more. Returns the open file and what was removed, if anything.
 */
export function createLog(path: string): { file: Deno.FsFile; replaced?: string } {
  const open = () =>
    Deno.openSync(path, { createNew: true, write: true, append: true, mode: 0o600 });
  try {
    return { file: open() };
  } catch (err) {
    if (!(err instanceof Deno.errors.AlreadyExists)) throw err;
  }
  const st = Deno.lstatSync(path);
  const kind = st.isSymlink
    ? "a symlink"
    : st.isFile
    ? "a file"
    : st.isDirectory
    ? "a directory"
    : "a special file (FIFO, socket or device)";
  Deno.removeSync(path);
  const file = open();
  if (!file.statSync().isFile) throw new Error(`${path} is not a regular file`);
  return { file, replaced: `${kind} already at the log path was removed` };
}
