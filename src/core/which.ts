/** PATH lookup without spawning `which`. */

/** The absolute path of an executable: `cmd` itself when it holds a `/`, else found on PATH. */
export function which(cmd: string, path = Deno.env.get("PATH") ?? ""): string | undefined {
  if (cmd.includes("/")) return isExecutable(cmd) ? cmd : undefined;
  for (const dir of path.split(":")) {
    if (!dir.startsWith("/")) continue;
    const p = `${dir}/${cmd}`;
    if (isExecutable(p)) return p;
  }
  return undefined;
}

function isExecutable(p: string): boolean {
  try {
    const s = Deno.statSync(p);
    return s.isFile && ((s.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}
