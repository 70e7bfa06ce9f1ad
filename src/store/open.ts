/**
 * Opening the configured state backend. Opening only opens (and migrates): recording lost
 * runs is a separate, explicit call (`reconcile` in src/runs/reconcile.ts).
 *
 * SQLite is the default and loads nothing else. The PostgreSQL backend's code is loaded by
 * `loadBackend` (called where the config is loaded) only when it is configured.
 */
import { type DocketConfig, hostIdOf } from "../config/types.ts";
import type { Store } from "../core/store.ts";
import { DocketError } from "../core/errors.ts";
import { lazy } from "../core/lazy.ts";
import { heartbeatMs, staleAfterMs } from "../core/heartbeat.ts";
import { SqliteStore } from "./sqlite_store.ts";

type StoreCfg = Pick<DocketConfig, "state_dir" | "state" | "host_id">;
type PgModule = typeof import("./postgres.ts");
let pg: PgModule | undefined;

export const DEFAULT_URL_ENV = "DOCKET_PG_URL";

/** Loads the configured backend's code (PostgreSQL's only when configured). */
export async function loadBackend(cfg: Pick<DocketConfig, "state">): Promise<void> {
  if (cfg.state?.backend === "postgres") {
    pg ??= await lazy<PgModule>("./postgres.ts", import.meta.url);
  }
}

export function openStore(cfg: StoreCfg): Store {
  if (cfg.state?.backend !== "postgres") return new SqliteStore(cfg.state_dir);
  const source = cfg.state.url_env ?? DEFAULT_URL_ENV;
  const url = Deno.env.get(source)?.trim();
  if (!url) {
    throw new DocketError(
      "state_error",
      `The state backend is postgres, but the environment variable ${source} is not set`,
      { hint: `Set ${source} to the server's URL (postgres://user:password@host:port/db)` },
    );
  }
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new DocketError("state_error", `${source} does not hold a postgres:// URL`, {
      hint: `Set ${source} to postgres://user:password@host:port/db`,
    });
  }
  if (!pg) throw new Error("internal: loadBackend was not called before openStore");
  return new pg.PgStore({
    url,
    source,
    hostId: hostIdOf(cfg),
    beatMs: heartbeatMs(),
    staleMs: staleAfterMs(),
  });
}
