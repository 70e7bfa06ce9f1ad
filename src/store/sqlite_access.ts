/**
 * The SQL-only features (the occurrence ledger, the dashboard's index walks) read SQLite
 * directly; the PostgreSQL backend has no counterpart of them yet. One guarded accessor,
 * so every such feature says so plainly on PostgreSQL instead of failing somewhere inside.
 */
import type { DatabaseSync } from "node:sqlite";
import type { Store } from "../core/store.ts";
import { DocketError } from "../core/errors.ts";
import { SqliteStore } from "./sqlite_store.ts";

/** The SQLite handle behind `store`, or undefined on another backend. */
export function sqliteDbOf(store: Store): DatabaseSync | undefined {
  return store instanceof SqliteStore ? store.db : undefined;
}

/** The SQLite handle, or `not_supported` naming the feature that needs it. */
export function requireSqliteDb(store: Store, feature: string): DatabaseSync {
  const db = sqliteDbOf(store);
  if (db) return db;
  throw new DocketError(
    "not_supported",
    `${feature} needs the SQLite state backend (the PostgreSQL backend has no counterpart yet)`,
    { hint: "Use the default SQLite state on this host for it" },
  );
}
