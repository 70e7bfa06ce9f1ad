/**
 * Opening the configured state backend. Opening only opens (and migrates): recording lost
 * runs is a separate, explicit call (`reconcile` in src/runs/reconcile.ts).
 */
import type { DocketConfig } from "../config/types.ts";
import type { Store } from "../core/store.ts";
import { SqliteStore } from "./sqlite_store.ts";

export function openStore(cfg: Pick<DocketConfig, "state_dir">): Store {
  return new SqliteStore(cfg.state_dir);
}
