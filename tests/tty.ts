/** Running the real docket on a pseudo-terminal (util-linux `script`). */
import { type Home, MAIN } from "./helpers.ts";

/** Runs docket on a pseudo-terminal (util-linux `script`), `cols` wide; returns what it printed. */
export async function onTty(h: Home, args: string[], cols = 200): Promise<string> {
  const cmd = `stty cols ${cols} rows 50; ${Deno.execPath()} run -A ${MAIN} ${
    args.map((a) => `'${a}'`).join(" ")
  }`;
  const out = await new Deno.Command("script", {
    args: ["-qec", cmd, "/dev/null"],
    env: { ...h.env, TERM: "xterm" },
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  return new TextDecoder().decode(out.stdout);
}
