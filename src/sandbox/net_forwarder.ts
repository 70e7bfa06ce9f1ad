/**
 * Runs inside the jail of a task with a network allow-list (see net_proxy.ts): listens on
 * 127.0.0.1 — the proxy port (exported as HTTP(S)_PROXY) and each declared literal
 * `127.0.0.1:PORT`/`localhost:PORT` (a transparent forward for programs that ignore proxies) —
 * pipes every connection to docket's proxy over the bound Unix socket, then runs the task's
 * own argv and exits with its status. It ignores SIGTERM: the task gets it (same group) and
 * this process must outlive it, or the jail would end at once.
 *
 * Usage: deno run … net_forwarder.ts '<json {socket, proxyPort, forwards}>' -- argv…
 */

interface Config {
  socket: string;
  proxyPort: number;
  forwards: number[];
  /** The CONNECT target of a forwarded port when not `127.0.0.1:PORT` (`localhost:PORT`). */
  targets?: Record<string, string>;
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

async function bridge(conn: Deno.Conn, socket: string, connectTo?: number): Promise<void> {
  let up: Deno.UnixConn | undefined;
  try {
    up = await Deno.connect({ transport: "unix", path: socket });
    if (connectTo !== undefined) {
      const t = cfg.targets?.[String(connectTo)] ?? `127.0.0.1:${connectTo}`;
      await up.write(new TextEncoder().encode(`CONNECT ${t} HTTP/1.1\r\nHost: ${t}\r\n\r\n`));
      const buf = new Uint8Array(4096);
      let head = "";
      while (!head.includes("\r\n\r\n")) {
        const n = await up.read(buf);
        if (n === null) return;
        head += new TextDecoder("latin1").decode(buf.subarray(0, n));
        if (head.length > 4096) return;
      }
      if (!/^HTTP\/1\.[01] 200/.test(head)) return;
      const rest = head.slice(head.indexOf("\r\n\r\n") + 4);
      if (rest) await conn.write(new TextEncoder().encode(rest));
    }
    await Promise.race([pipe(conn, up), pipe(up, conn)]);
  } catch {
    // a failed leg ends the connection
  } finally {
    for (const c of [conn, up]) {
      try {
        c?.close();
      } catch {
        // closed already
      }
    }
  }
}

function listen(port: number, socket: string, connectTo?: number): void {
  const l = Deno.listen({ hostname: "127.0.0.1", port });
  (async () => {
    for await (const c of l) bridge(c, socket, connectTo);
  })().catch(() => {});
}

const sep = Deno.args.indexOf("--");
const cfg = JSON.parse(Deno.args[0]!) as Config;
const argv = Deno.args.slice(sep + 1);
listen(cfg.proxyPort, cfg.socket);
for (const p of cfg.forwards) listen(p, cfg.socket, p);
for (const s of ["SIGTERM", "SIGINT", "SIGHUP"] as const) Deno.addSignalListener(s, () => {});
const child = new Deno.Command(argv[0]!, {
  args: argv.slice(1),
  stdin: "inherit",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
const st = await child.status;
Deno.exit(st.signal ? 128 + (st.signal === "SIGKILL" ? 9 : 15) : st.code);
