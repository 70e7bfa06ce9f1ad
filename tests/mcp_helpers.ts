/** A real MCP client (the SDK's Client over stdio) connected to `docket mcp` in a temp home. */
import assert from "node:assert/strict";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { type Home, MAIN, withHome } from "./helpers.ts";

// deno-lint-ignore no-explicit-any
export type Json = any;

export interface Session {
  client: Client;
  tools(): Promise<Tool[]>;
  stderr: () => string;
  errors: Error[];
  call(name: string, args?: Record<string, unknown>): Promise<Json>;
}

/** Spawns `deno run -A main.ts mcp` for `h` and connects a client to it. */
export async function connect(
  h: Home,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<Session> {
  const transport = new StdioClientTransport({
    command: Deno.execPath(),
    args: ["run", "-A", MAIN, "mcp", ...extra],
    env: {
      ...h.env,
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      ...env,
    },
    stderr: "pipe",
  });
  let err = "";
  transport.stderr?.on("data", (b: Uint8Array) => err += new TextDecoder().decode(b));
  const client = new Client({ name: "docket-test", version: "0.0.0" });
  // A stray byte on the server's stdout would surface here as a parse error.
  const errors: Error[] = [];
  client.onerror = (e: Error) => errors.push(e);
  await client.connect(transport);
  return {
    client,
    tools: async () => (await client.listTools()).tools as Tool[],
    stderr: () => err,
    errors,
    call: (name, args = {}) => client.callTool({ name, arguments: args }),
  };
}

/** A fresh home and server for `fn`; the client (and so the server) is always closed. */
export async function withServer(
  setup: (h: Home) => void,
  fn: (s: Session, h: Home) => Promise<void>,
  extra: string[] = [],
  env: (h: Home) => Record<string, string> = () => ({}),
): Promise<void> {
  await withHome(async (h) => {
    setup(h);
    const s = await connect(h, extra, env(h));
    try {
      await fn(s, h);
      assert.deepEqual(s.errors.map((e) => e.message), [], "protocol errors (stdout not clean?)");
    } finally {
      await s.client.close();
    }
  });
}
