/**
 * Where hbackup writes: the folder of its archive (`output`, else hbackup's default
 * `~/backups`), for the actions that write one (`backup`, `auto`). The OS sandbox makes only
 * this folder (and the scratch dir) writable for the hbackup process.
 */
import { expandForGrant } from "./config_read.ts";
import type { HbackupSettings } from "./hbackup_cli.ts";

export function hbackupWrites(s: HbackupSettings): string[] {
  if (s.action !== "backup" && s.action !== "auto") return [];
  const out = expandForGrant(s.output ?? "~/backups/archive");
  const i = out.lastIndexOf("/");
  return [i > 0 ? out.slice(0, i) : i === 0 ? "/" : "."];
}
