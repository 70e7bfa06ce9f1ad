/**
 * `docket mcp`: docket's tasks and runs as MCP tools over stdio. stdout carries only the
 * protocol; logs go to stderr. Only this module (loaded lazily by the command) pulls in the SDK.
 */
import process from "node:process";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";
import { VERSION } from "../version.ts";
import { freshConfig } from "./invoke.ts";
import type { PolicyTask } from "./policy.ts";
import type { McpOptions, ToolSpec } from "./tool_spec.ts";
import { readTools } from "./tools_read.ts";
import { runTools } from "./tools_run.ts";
import { BoundedStdioTransport, type RpcError } from "./transport.ts";
import { setProblem } from "./schemas.ts";

/** Refuses a run_task/start_task whose `set` is over its bounds, as a JSON-RPC error. */
export function guard(m: JSONRPCMessage): RpcError | null {
  if (!("method" in m) || m.method !== "tools/call") return null;
  const p = (m as { params?: { name?: unknown; arguments?: { set?: unknown } } }).params;
  if (p?.name !== "run_task" && p?.name !== "start_task") return null;
  const problem = setProblem(p.arguments?.set);
  return problem ? { code: -32602, message: `Invalid params: ${problem}` } : null;
}

const INSTRUCTIONS = "docket runs sandboxed maintenance tasks. Start with list_tasks; " +
  "run_task runs one and waits a bounded time, start_task returns a receipt at once; follow " +
  "runs with get_events, get_logs and wait_run. Destructive tasks need the server to be " +
  "started with --allow-destructive (dry_run works without it).";

/** Lists the tasks once at start: their enforced grants shape the run tools' annotations. */
async function tasksAtStart(): Promise<{ tasks: PolicyTask[] | null; error?: string }> {
  try {
    const { listTasks } = await import("../registry/registry.ts");
    return { tasks: [...(await listTasks(await freshConfig())).values()] };
  } catch (err) {
    const error = (err as Error).message;
    console.error(`[docket mcp] cannot list tasks: ${error}`);
    return { tasks: null, error };
  }
}

export async function allTools(o: McpOptions): Promise<ToolSpec[]> {
  const { tasks, error } = await tasksAtStart();
  return [...readTools(o), ...runTools(o, tasks, error)];
}

export async function createServer(o: McpOptions): Promise<McpServer> {
  const server = new McpServer(
    { name: "docket", version: VERSION },
    { instructions: INSTRUCTIONS, capabilities: { tools: {} } },
  );
  for (const t of await allTools(o)) {
    server.registerTool(t.name, {
      title: t.title,
      description: t.description,
      inputSchema: t.input,
      outputSchema: t.output,
      annotations: t.annotations,
      // deno-lint-ignore no-explicit-any
    }, t.handler as any);
  }
  return server;
}

/** Serves until stdin closes (the client went away) or docket gets SIGINT/SIGTERM. */
export async function serveStdio(o: McpOptions, signal: AbortSignal): Promise<void> {
  const server = await createServer(o);
  const transport = new BoundedStdioTransport(guard);
  const { promise: closed, resolve } = Promise.withResolvers<string>();
  transport.onclose = () => resolve("the transport closed");
  transport.onerror = (e) => console.error(`[docket mcp] transport error: ${e.message}`);
  process.stdin.once("end", () => resolve("stdin ended (the client went away)"));
  process.stdin.once("close", () => resolve("stdin closed (the client went away)"));
  signal.addEventListener("abort", () => resolve("docket got a signal to stop"), { once: true });
  await server.connect(transport);
  console.error(
    `[docket mcp] docket ${VERSION} serving MCP on stdio` +
      (o.allowDestructive ? " (destructive tasks allowed)" : ""),
  );
  // Never silently: say why the server ends.
  console.error(`[docket mcp] stopping: ${await closed}`);
  await server.close().catch(() => {});
}
