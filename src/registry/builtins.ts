/** The built-in tasks shipped in tasks/. Their modules are docket's own code. */
export const BUILTIN_NAMES = ["backup", "hbackup", "health-check"] as const;

export function builtinModuleUrl(name: string): URL {
  const file = name === "health-check" ? "health_check.ts" : `${name}.ts`;
  return new URL(`../../tasks/${file}`, import.meta.url);
}
