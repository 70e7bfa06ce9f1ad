/** `docket ui`'s request handler: the guard, then the routes (pages, /api JSON, SSE, actions). */
import { DocketError, errorToJson, toDocketError } from "../core/errors.ts";
import { isRunId } from "../core/ids.ts";
import { TASK_NAME_RE } from "../config/load.ts";
import { callCommand, freshConfig } from "../mcp/invoke.ts";
import { hostAllowed, sameOrigin, SECURITY_HEADERS, tokenOk } from "./security.ts";
import { overviewData, runData, taskData } from "./data.ts";
import { overviewPage } from "./page_overview.ts";
import { taskPage } from "./page_task.ts";
import { runPage } from "./page_run.ts";
import { CSS, JS } from "./assets.ts";
import { logStream } from "./live.ts";
import { type ActionOptions, cancelRun, startRun } from "./actions.ts";
import { h, page } from "./html.ts";

export interface ServerOptions extends ActionOptions {
  token: string;
  readOnly: boolean;
  bind: string;
  /** Known after listening. */
  port: number;
}

const STATUS: Partial<Record<string, number>> = {
  usage: 400,
  task_not_found: 404,
  run_not_found: 404,
  permission_denied: 403,
  lock_held: 409,
};

function respond(body: BodyInit | null, status: number, type: string, t0: number): Response {
  const headers = new Headers(SECURITY_HEADERS);
  headers.set("content-type", type);
  headers.set("server-timing", `app;dur=${(performance.now() - t0).toFixed(1)}`);
  return new Response(body, { status, headers });
}

const json = (v: unknown, status: number, t0: number) =>
  respond(JSON.stringify(v), status, "application/json; charset=utf-8", t0);

function refuse(kind: "permission_denied" | "usage", message: string, hint: string) {
  return new DocketError(kind, message, { hint });
}

function taskName(v: string): string {
  const name = decodeURIComponent(v);
  if (!TASK_NAME_RE.test(name)) {
    throw refuse("usage", `Invalid task name "${name.slice(0, 80)}"`, "See the overview (/)");
  }
  return name;
}

function runId(v: string): string {
  const id = decodeURIComponent(v);
  if (!isRunId(id)) {
    throw refuse("usage", `Invalid run id "${id.slice(0, 80)}"`, "See the overview (/)");
  }
  return id;
}

async function readBody(req: Request): Promise<Record<string, unknown>> {
  const text = await req.text();
  if (text.length > 4096) throw refuse("usage", "Request body too large", "Send at most 4 KiB");
  if (!text.trim()) return {};
  try {
    const v = JSON.parse(text);
    if (v && typeof v === "object" && !Array.isArray(v)) return v;
  } catch {
    // below
  }
  throw refuse("usage", "Request body is not a JSON object", 'Send {"dry_run": true} or {}');
}

export function makeHandler(o: ServerOptions): (req: Request) => Promise<Response> {
  return async (req) => {
    const t0 = performance.now();
    const url = new URL(req.url);
    const api = url.pathname.startsWith("/api/");
    try {
      if (!hostAllowed(req.headers.get("host"), o.bind, o.port)) {
        throw refuse(
          "permission_denied",
          "Refused: the Host header does not name this server",
          "Open the URL docket ui printed (DNS-rebinding protection)",
        );
      }
      if (req.method === "POST") return await action(req, url, o, t0);
      if (req.method !== "GET" && req.method !== "HEAD") {
        return json(
          { ok: false, error: { kind: "usage", message: "Method not allowed" } },
          405,
          t0,
        );
      }
      return await get(req, url, o, t0);
    } catch (e) {
      const err = toDocketError(e);
      if (err.kind === "internal") console.error(`[docket ui] ${err.stack ?? err.message}`);
      const status = STATUS[err.kind] ?? 500;
      if (api) return json({ ok: false, error: errorToJson(err) }, status, t0);
      const body = `<section><h1>${h(err.message)}</h1><p class="muted">${
        h(err.hint ?? "")
      }</p><p><a href="/">Overview</a></p></section>`;
      return respond(
        page({ title: "error", body, readOnly: o.readOnly }),
        status,
        "text/html; charset=utf-8",
        t0,
      );
    }
  };
}

async function action(req: Request, url: URL, o: ServerOptions, t0: number): Promise<Response> {
  if (!sameOrigin(req)) {
    throw refuse("permission_denied", "Refused: cross-origin request", "Use the dashboard itself");
  }
  if (!tokenOk(req, o.token)) {
    throw refuse(
      "permission_denied",
      "Refused: missing or wrong X-Docket-Token",
      "Send the action token docket ui printed at start in the X-Docket-Token header",
    );
  }
  if (o.readOnly) {
    throw refuse(
      "permission_denied",
      "Refused: docket ui runs with --read-only",
      "Restart it without --read-only to run or cancel",
    );
  }
  const p = url.pathname;
  let m = /^\/api\/tasks\/([^/]+)\/run$/.exec(p);
  if (m) {
    const body = await readBody(req);
    const receipt = await startRun(taskName(m[1]!), body.dry_run === true, o);
    return json(receipt, 200, t0);
  }
  m = /^\/api\/runs\/([^/]+)\/cancel$/.exec(p);
  if (m) return json(await cancelRun(runId(m[1]!), o, req.signal), 200, t0);
  throw new DocketError("usage", `No action at ${p.slice(0, 100)}`, { hint: "See /api/" });
}

async function get(req: Request, url: URL, o: ServerOptions, t0: number): Promise<Response> {
  const p = url.pathname;
  const html = (s: string) => respond(s, 200, "text/html; charset=utf-8", t0);
  if (p === "/assets/ui.css") return respond(CSS, 200, "text/css; charset=utf-8", t0);
  if (p === "/assets/ui.js") return respond(JS, 200, "text/javascript; charset=utf-8", t0);
  const cfg = await freshConfig();
  const before = url.searchParams.get("before");
  if (before !== null) runId(before);
  if (p === "/") return html(overviewPage(await overviewData(cfg), o.readOnly));
  if (p === "/api/overview") return json(await overviewData(cfg), 200, t0);
  let m = /^\/(api\/)?tasks\/([^/]+)$/.exec(p);
  if (m) {
    const d = await taskData(cfg, taskName(m[2]!), before);
    return m[1] ? json(d, 200, t0) : html(taskPage(d, o.readOnly, before));
  }
  m = /^\/runs\/([^/]+)$/.exec(p);
  if (m) return html(runPage(runData(cfg, runId(m[1]!)), o.readOnly));
  m = /^\/api\/runs\/([^/]+)\/(page|logs|events|log\/stream)$/.exec(p);
  if (m) {
    const id = runId(m[1]!);
    if (m[2] === "page") return json(runData(cfg, id), 200, t0);
    if (m[2] === "log/stream") {
      const from = Number(req.headers.get("last-event-id") ?? url.searchParams.get("offset") ?? 0);
      const start = Number.isSafeInteger(from) && from >= 0 ? from : 0;
      return respond(logStream(cfg, id, start, req.signal), 200, "text/event-stream", t0);
    }
    return json(await cli(m[2]!, [id], {}, req.signal), 200, t0);
  }
  m = /^\/api\/runs\/([^/]+)$/.exec(p);
  if (m) return json(await cli("status", [], { "run-id": runId(m[1]!) }, req.signal), 200, t0);
  if (p === "/api/status") return json(await cli("status", [], {}, req.signal), 200, t0);
  if (p === "/api/capabilities") {
    return json(await cli("capabilities", [], {}, req.signal), 200, t0);
  }
  if (p === "/api/runs") {
    const task = url.searchParams.get("task");
    const limit = url.searchParams.get("limit");
    return json(
      await cli("runs", task ? [taskName(task)] : [], limit ? { limit } : {}, req.signal),
      200,
      t0,
    );
  }
  const error = {
    kind: "usage",
    message: `Nothing at ${p.slice(0, 100)}`,
    hint: "Pages: /, /tasks/<name>, /runs/<run_id>; JSON under /api/",
  };
  return json({ ok: false, error }, 404, t0);
}

/** A CLI command's --json document, read-only (a lost run is shown, not recorded). */
function cli(name: string, args: string[], opts: Record<string, string>, signal: AbortSignal) {
  return callCommand(name, { args, opts, signal, readOnly: true });
}
