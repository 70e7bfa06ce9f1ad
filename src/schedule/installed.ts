/** `docket install` (systemd): since now the ledger expects the tasks' slots. */
import type { DocketConfig } from "../config/types.ts";
import { openStore } from "../commands/common.ts";
import { setOrigin } from "../store/occurrences.ts";

export function recordInstalled(cfg: DocketConfig, tasks: string[]): void {
  const store = openStore(cfg, { reconcile: false });
  try {
    const now = new Date().toISOString();
    for (const t of tasks) setOrigin(store.db, t, "systemd", now);
  } finally {
    store.close();
  }
}
