/**
 * The allow-listing HTTP proxy for jailed programs with `network: [host[:port], …]`. docket
 * runs it outside the jail, on a Unix socket in a private folder that is bound into the jail;
 * inside, net_forwarder.ts listens on 127.0.0.1 and pipes to it. It understands CONNECT
 * (tunnels: https, and the per-port forwards) and absolute-URI requests (plain http). The
 * proxy resolves host names itself: the jail has no DNS. A refused target answers 403 and is
 * recorded as `host:port` for `details.sandbox.denied`.
 */

const MAX_HEAD = 64 * 1024;

export interface NetProxy {
  socketPath: string;
  dir: string;
  denied: string[];
  close(): Promise<void>;
}

/** `host[:port]` entries as Deno's `--allow-net` reads them: no port means any port. */
export function allowed(allow: string[], host: string, port: number): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return allow.some((e) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(e.trim().toLowerCase());
    if (!m) return false;
    const eh = m[1]!.replace(/^\[|\]$/g, "");
    return eh === h && (m[2] === undefined || Number(m[2]) === port);
  });
}

export function startProxy(allow: string[]): NetProxy {
  const dir = Deno.makeTempDirSync({ prefix: "docket-net-" });
  Deno.chmodSync(dir, 0o700);
  const socketPath = `${dir}/proxy.sock`;
  const listener = Deno.listen({ transport: "unix", path: socketPath });
  const denied: string[] = [];
  const conns = new Set<Deno.Conn>();
  const serve = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      handle(conn, allow, denied).catch(() => {}).finally(() => {
        conns.delete(conn);
        try {
          conn.close();
        } catch {
          // closed already
        }
      });
    }
  })().catch(() => {});
  return {
    socketPath,
    dir,
    denied,
    async close() {
      try {
        listener.close();
      } catch {
        // closed already
      }
      for (const c of conns) {
        try {
          c.close();
        } catch {
          // closed already
        }
      }
      await serve;
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch {
        // gone
      }
    },
  };
}

async function readHead(conn: Deno.Conn): Promise<{ head: string; rest: Uint8Array } | null> {
  const buf = new Uint8Array(MAX_HEAD);
  let n = 0;
  while (n < MAX_HEAD) {
    const r = await conn.read(buf.subarray(n));
    if (r === null) return null;
    n += r;
    const text = new TextDecoder("latin1").decode(buf.subarray(0, n));
    const end = text.indexOf("\r\n\r\n");
    if (end >= 0) return { head: text.slice(0, end + 4), rest: buf.slice(end + 4, n) };
  }
  return null;
}

async function reply(conn: Deno.Conn, status: string, body = ""): Promise<void> {
  const msg = `HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\nContent-Length: ` +
    `${body.length}\r\nConnection: close\r\n\r\n${body}`;
  await conn.write(new TextEncoder().encode(msg)).catch(() => 0);
}

async function handle(conn: Deno.Conn, allow: string[], denied: string[]): Promise<void> {
  const got = await readHead(conn);
  if (!got) return;
  const [line, ...headers] = got.head.split("\r\n");
  const [method, target] = (line ?? "").split(" ");
  let host: string;
  let port: number;
  let first: Uint8Array | undefined;
  if (method === "CONNECT") {
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target ?? "");
    if (!m) return reply(conn, "400 Bad Request", "CONNECT needs host:port\n");
    host = m[1]!.replace(/^\[|\]$/g, "");
    port = Number(m[2]);
  } else {
    let url: URL;
    try {
      url = new URL(target ?? "");
    } catch {
      return reply(conn, "400 Bad Request", "a proxy request needs an absolute URI\n");
    }
    if (url.protocol !== "http:") return reply(conn, "400 Bad Request", "only http:// here\n");
    host = url.hostname.replace(/^\[|\]$/g, "");
    port = url.port ? Number(url.port) : 80;
    // Origin-form to the server, one request per connection, no proxy headers passed on.
    const kept = headers.filter((h) => h && !/^(proxy-|connection:|keep-alive:)/i.test(h));
    first = new TextEncoder().encode(
      `${method} ${url.pathname}${url.search} HTTP/1.1\r\n${kept.join("\r\n")}\r\n` +
        "Connection: close\r\n\r\n",
    );
  }
  if (!allowed(allow, host, port)) {
    const t = `${host.includes(":") ? `[${host}]` : host}:${port}`;
    if (!denied.includes(t) && denied.length < 100) denied.push(t);
    return reply(conn, "403 Forbidden", `docket: ${t} is not in this task's network grant\n`);
  }
  let up: Deno.TcpConn;
  try {
    up = await Deno.connect({ hostname: host, port });
  } catch (err) {
    return reply(conn, "502 Bad Gateway", `docket: ${(err as Error).message}\n`);
  }
  try {
    if (first) await up.write(first);
    else {
      await conn.write(new TextEncoder().encode("HTTP/1.1 200 Connection Established\r\n\r\n"));
    }
    if (got.rest.length) await up.write(got.rest);
    await Promise.race([pipe(conn, up), pipe(up, conn)]);
  } finally {
    try {
      up.close();
    } catch {
      // closed already
    }
  }
}

async function pipe(from: Deno.Conn, to: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(32 * 1024);
  for (;;) {
    const n = await from.read(buf).catch(() => null);
    if (n === null) return;
    let off = 0;
    while (off < n) off += await to.write(buf.subarray(off, n));
  }
}
