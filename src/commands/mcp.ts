/**
 * `docket mcp [--allow-destructive]`: a Model Context Protocol server on stdio. Returns when
 * the client disconnects; prints nothing itself (stdout belongs to the protocol).
 */
import type { CommandInput, CommandOutput } from "../cli/types.ts";

export async function run(input: CommandInput): Promise<CommandOutput> {
  // The SDK (and zod) load only here: no other command pays for them.
  const { serveStdio } = await import("../mcp/server.ts");
  await serveStdio({ allowDestructive: input.opts["allow-destructive"] === true }, input.signal);
  return { exitCode: 0, data: undefined };
}
