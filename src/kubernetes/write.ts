// Writing the manifests: every file goes to a temporary folder beside the target first, so an
// error (disk full, permissions) leaves nothing half-written; then each is renamed into place.
import { DocketError } from "../core/errors.ts";
import { join } from "../core/path.ts";

export function writeAllOrNothing(dir: string, files: { name: string; text: string }[]): void {
  let tmp: string | undefined;
  try {
    Deno.mkdirSync(dir, { recursive: true });
    tmp = Deno.makeTempDirSync({ dir, prefix: ".docket-k8s-" });
    for (const f of files) Deno.writeTextFileSync(join(tmp, f.name), f.text, { mode: 0o644 });
    for (const f of files) Deno.renameSync(join(tmp, f.name), join(dir, f.name));
  } catch (err) {
    const denied = err instanceof Deno.errors.PermissionDenied;
    throw new DocketError(
      denied ? "permission_denied" : "io_error",
      `Cannot write the manifests to "${dir}": ${(err as Error).message}`,
      {
        hint: "Check the folder, or choose another with --out (or --out - for stdout)",
        details: { dir },
      },
    );
  } finally {
    if (tmp) {
      try {
        Deno.removeSync(tmp, { recursive: true });
      } catch {
        // already gone
      }
    }
  }
}
