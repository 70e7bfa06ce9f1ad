/** Starts the real `docket ui` in a test home and stops it (shared by the HTTP and browser tests). */
import type { Home } from "./helpers.ts";

export interface Ui {
  url: string;
  token: string;
  port: number;
  child: Deno.ChildProcess;
  stderr: () => string;
  /** POSTs to an /api path with (or without, token: null) the token. */
  post: (path: string, body?: unknown, token?: string | null) => Promise<Response>;
  stop: () => Promise<void>;
}

export async function startUi(h: Home, args: string[] = []): Promise<Ui> {
  const child = h.spawn(["--json", "ui", "--port", "0", ...args]);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let err = "";
  (async () => {
    for await (const c of child.stderr.pipeThrough(new TextDecoderStream())) err += c;
  })();
  let buf = "";
  const deadline = Date.now() + 30000;
  while (!buf.includes("\n")) {
    if (Date.now() > deadline) throw new Error(`docket ui did not start: ${err}`);
    const { value, done } = await reader.read();
    if (done) throw new Error(`docket ui exited: ${buf}${err}`);
    buf += value;
  }
  const start = JSON.parse(buf.split("\n")[0]!);
  if (start.ok !== true) throw new Error(`docket ui refused to start: ${buf}`);
  const url = start.url as string;
  return {
    url,
    token: start.token,
    port: start.port,
    child,
    stderr: () => err,
    post: (path, body = {}, token) =>
      fetch(new URL(path, url), {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(token === null ? {} : { "x-docket-token": token ?? start.token }),
        },
        body: JSON.stringify(body),
      }),
    stop: async () => {
      try {
        child.kill("SIGTERM");
      } catch {
        // gone
      }
      await child.status;
      await reader.cancel().catch(() => {});
    },
  };
}

/** A raw HTTP/1.1 request (fetch cannot set Host), returning the status code. */
export async function rawStatus(port: number, head: string): Promise<number> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  try {
    await conn.write(new TextEncoder().encode(head + "\r\nConnection: close\r\n\r\n"));
    const buf = new Uint8Array(1024);
    const n = await conn.read(buf);
    const line = new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0]!;
    return Number(line.split(" ")[1]);
  } finally {
    conn.close();
  }
}
