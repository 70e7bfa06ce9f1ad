/**
 * `docket ui [--port P] [--bind ADDR] [--read-only] [--allow-destructive]`: the local web
 * dashboard. Serves until interrupted; prints its URL and the action token once at start.
 */
import type { CommandInput, CommandOutput } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { lazy } from "../core/lazy.ts";

export const DEFAULT_PORT = 8737;

function parsePort(v: unknown): number {
  if (v === undefined) return DEFAULT_PORT;
  const n = Number(v);
  if (typeof v !== "string" || !/^\d+$/.test(v) || n > 65535) {
    throw new DocketError("usage", `Invalid --port "${String(v).slice(0, 40)}": expected 0-65535`, {
      hint: `For example --port ${DEFAULT_PORT} (0 picks a free port)`,
    });
  }
  return n;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const [{ parseBind, newToken }, { makeHandler }] = await Promise.all([
    lazy<typeof import("../ui/security.ts")>("../ui/security.ts", import.meta.url),
    lazy<typeof import("../ui/server.ts")>("../ui/server.ts", import.meta.url),
  ]);
  const port = parsePort(input.opts.port);
  const rawBind = input.opts.bind as string | undefined;
  let bind: ReturnType<typeof parseBind>;
  try {
    bind = parseBind(rawBind ?? "127.0.0.1");
  } catch {
    throw new DocketError("usage", `Invalid --bind "${String(rawBind).slice(0, 80)}"`, {
      hint:
        "Give an IP address: 127.0.0.1 (default, this machine only), ::1, or 0.0.0.0 to expose it",
    });
  }
  const readOnly = input.opts["read-only"] === true;
  const allowDestructive = input.opts["allow-destructive"] === true;
  if (readOnly && allowDestructive) {
    throw new DocketError("usage", "Cannot use --read-only with --allow-destructive", {
      hint: "--read-only refuses every action; drop one of them",
    });
  }
  await input.config(); // a broken config is reported now, not on the first page
  const token = newToken();
  const opts = {
    token,
    readOnly,
    allowDestructive,
    bind: bind.host,
    port,
    started: new Set<string>(),
  };
  const ready = Promise.withResolvers<number>();
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: bind.host,
      port,
      signal: input.signal,
      onListen: (a) => ready.resolve((a as Deno.NetAddr).port),
      onError: (e) => {
        console.error(`[docket ui] ${e instanceof Error ? e.message : String(e)}`);
        return new Response("internal error", { status: 500 });
      },
    }, (req) => handler(req));
  } catch (e) {
    throw new DocketError(
      "io_error",
      `Cannot listen on ${bind.host}:${port}: ${(e as Error).message}`,
      {
        hint: "Pick another --port (0 picks a free one)",
        cause: e,
      },
    );
  }
  opts.port = await ready.promise;
  const handler = makeHandler(opts);
  const hostPart = bind.host.includes(":") ? `[${bind.host}]` : bind.host;
  const url = `http://${bind.wildcard ? "127.0.0.1" : hostPart}:${opts.port}/`;
  const exposure = bind.loopback ? null : `Listening on ${bind.host}: anyone who can reach ` +
    `this address reads every task's runs, logs, events and config (secrets masked), over ` +
    `plain HTTP; actions still need the token, which crosses the network unencrypted.`;
  if (input.ui.json) {
    console.log(JSON.stringify({
      ok: true,
      url,
      token,
      bind: bind.host,
      port: opts.port,
      read_only: readOnly,
      allow_destructive: allowDestructive,
      ...(exposure ? { warning: exposure } : {}),
    }));
  } else {
    console.log([
      `docket ui: ${url}`,
      `  action token: ${token}`,
      `  (the page asks for it; or open ${url}#token=${token})`,
      `  actions: ${readOnly ? "none (--read-only)" : "run, dry run, cancel"}; destructive ` +
      `tasks ${allowDestructive ? "allowed (--allow-destructive)" : "dry run only"}`,
      "  Ctrl-C stops the server.",
    ].join("\n"));
  }
  if (exposure) console.error(`[docket ui] warning: ${exposure}`);
  await server.finished;
  return { exitCode: 0, data: undefined };
}
