/** Replacing a file so readers see the old or the new content, never half of it. */
import { basename, dirname, join } from "./path.ts";

/**
 * Writes `text` to a temporary file in the same folder (same file system), sets `mode`
 * explicitly (the umask must not loosen or tighten it), then renames it over `path`.
 */
export function writeFileAtomic(path: string, text: string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${Deno.pid}.${Date.now()}.tmp`);
  try {
    Deno.writeTextFileSync(tmp, text, { mode, createNew: true });
    Deno.chmodSync(tmp, mode);
    Deno.renameSync(tmp, path);
  } catch (err) {
    try {
      Deno.removeSync(tmp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
}
