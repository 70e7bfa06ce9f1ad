/** Where docket keeps its files: DOCKET_HOME (default ~/.docket) and DOCKET_CONFIG. */
import { join, resolve } from "./path.ts";

export function homeDir(): string {
  return Deno.env.get("HOME") ?? "/";
}

export function docketHome(): string {
  const h = Deno.env.get("DOCKET_HOME");
  return h ? resolve(expandUser(h)) : join(homeDir(), ".docket");
}

export function configPath(): string {
  const c = Deno.env.get("DOCKET_CONFIG");
  return c ? resolve(expandUser(c)) : join(docketHome(), "config.yaml");
}

export function expandUser(p: string): string {
  if (p === "~") return homeDir();
  if (p.startsWith("~/")) return join(homeDir(), p.slice(2));
  return p;
}

/** Resolves a config path value: `~` expanded, relative paths against the config's folder. */
export function resolvePath(p: string, base: string): string {
  return resolve(base, expandUser(p));
}
