/** `docket install` (systemd): since now the ledger expects the tasks' slots. */
import { sqliteDbOf } from "../store/sqlite_access.ts";
import type { DocketConfig } from "../config/types.ts";
import { openStore } from "../store/open.ts";
import { setOrigin } from "../store/occurrences.ts";

export function recordInstalled(cfg: DocketConfig, tasks: string[]): void {
  const store = openStore(cfg);
  try {
    const now = new Date().toISOString();
    const db = sqliteDbOf(store);
    if (db) { for (const t of tasks) setOrigin(db, t, "systemd", now); }
  } finally {
    store.close();
  }
}
