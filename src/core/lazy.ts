/**
 * `lazy(path, import.meta.url)`: a dynamic import that Deno does not follow before it runs.
 *
 * Deno builds the module graph at startup through every `import("literal")` it can see, so a
 * literal lazy import still costs its whole subtree on every call: from `main.ts` that was all
 * of docket, the MCP SDK's and yaml/zod's npm resolution included (measured: +9 ms for
 * `status`, about 0.4 × B). A computed specifier is resolved only when the import runs.
 *
 * Keep the module's type with `lazy<typeof import("./x.ts")>("./x.ts", import.meta.url)`:
 * a type query is not a runtime edge. `deno compile` does not see these imports: compile with
 * `--include src/` (and `--include tasks/` for the built-ins).
 */
export function lazy<T>(path: string, base: string): Promise<T> {
  return import(new URL(path, base).href);
}
