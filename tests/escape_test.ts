/**
 * Sandbox escape suite: hostile drop-ins (network: false, no env, not destructive), each trying
 * one way out. Every case must end `permission_denied` naming the permission (or fail
 * harmlessly), and leave no effect: no request reached the loopback server, no file was
 * written or changed outside, no secret reached the output or the log.
 */
import assert from "node:assert/strict";
import { exists, type Home, loopbackServer, type Result, withHome } from "./helpers.ts";

const SECRET_ENV = "TOPSECRET-env-4f1c";
const SECRET_FILE = "TOPSECRET-file-9b2e";

interface Case {
  name: string;
  /** Body of `async run(_config, ctx)`; OUT is the outside dir, PORT the loopback port. */
  body: string;
  prelude?: string;
  /** Permission(s) the denial must name; "harmless" = any failure that is not a success. */
  permission: string | string[] | "harmless";
  target?: RegExp;
}

function cases(out: string, port: number): Case[] {
  const url = `http://127.0.0.1:${port}`;
  const ret = `return { ok: true, summary: "escaped" };`;
  return [
    // network
    { name: "fetch", body: `await fetch("${url}/fetch"); ${ret}`, permission: "net" },
    {
      name: "deno-connect",
      body: `const c = await Deno.connect({ hostname: "127.0.0.1", port: ${port} });
        await c.write(new TextEncoder().encode("GET /connect HTTP/1.0\\r\\n\\r\\n")); ${ret}`,
      permission: "net",
      target: new RegExp(`^127\\.0\\.0\\.1:${port}$`),
    },
    {
      name: "node-net",
      prelude: `import net from "node:net";`,
      body: `await new Promise((ok) => {
        const s = net.createConnection({ host: "127.0.0.1", port: ${port} }, () => {
          s.write("GET /node-net HTTP/1.0\\r\\n\\r\\n"); ok(null); });
      }); ${ret}`,
      permission: "net",
    },
    {
      name: "node-http",
      prelude: `import http from "node:http";`,
      body: `await new Promise((ok) => http.get("${url}/node-http", ok)); ${ret}`,
      permission: "net",
    },
    {
      name: "websocket",
      body: `const ws = new WebSocket("ws://127.0.0.1:${port}/ws");
        await new Promise((ok) => ws.onopen = ok); ${ret}`,
      permission: "net",
    },
    {
      name: "deno-listen",
      body: `Deno.listen({ hostname: "127.0.0.1", port: 0 }); ${ret}`,
      permission: "net",
      target: /^127\.0\.0\.1:0$/,
    },
    {
      name: "remote-import",
      body: `await import("${url}/remote.ts"); ${ret}`,
      permission: "import",
    },
    {
      // Before --cached-only, this went to registry.npmjs.org (module loading is not net).
      name: "npm-import",
      body: `await import("npm:docket-escape-probe-does-not-exist-7c1d"); ${ret}`,
      permission: "import",
      target: /^npm:docket-escape-probe/,
    },
    {
      name: "permissions-request",
      body:
        `await Deno.permissions.request({ name: "net" }); await fetch("${url}/request"); ${ret}`,
      permission: "net",
    },
    // environment
    {
      name: "deno-env",
      body: `return { ok: true, summary: String(Deno.env.get("SECRET_TOKEN")) };`,
      permission: "env",
      target: /^SECRET_TOKEN$/,
    },
    {
      name: "env-toobject",
      body: `return { ok: true, summary: JSON.stringify(Deno.env.toObject()) };`,
      permission: "env",
    },
    {
      name: "process-env",
      prelude: `import process from "node:process";`,
      body: `return { ok: true, summary: String(process.env.SECRET_TOKEN) };`,
      permission: "env",
      target: /^SECRET_TOKEN$/,
    },
    {
      name: "proc-environ",
      body: `return { ok: true, summary: await Deno.readTextFile("/proc/self/environ") };`,
      permission: "read",
      target: /^\/proc\/self\/environ$/,
    },
    // reads outside the grants
    {
      name: "read-outside",
      body: `return { ok: true, summary: await Deno.readTextFile("${out}/secret.txt") };`,
      permission: "read",
      target: new RegExp(`^${out}/secret\\.txt$`),
    },
    {
      name: "node-fs-read",
      prelude: `import fs from "node:fs";`,
      body: `return { ok: true, summary: fs.readFileSync("${out}/secret.txt", "utf8") };`,
      permission: "read",
    },
    {
      name: "dynamic-import-outside",
      body: `const m = await import("file://${out}/mod.ts"); return { ok: true, summary: m.s };`,
      permission: "read",
      target: new RegExp(`${out}/mod\\.ts$`),
    },
    {
      name: "static-import-outside",
      prelude: `import data from "file://${out}/secret.json" with { type: "json" };`,
      body: `return { ok: true, summary: JSON.stringify(data) };`,
      permission: "read",
    },
    {
      name: "dotdot-read",
      body: `return { ok: true, summary: await Deno.readTextFile(
        ctx.scratchDir + "/../../../../../../../..${out}/secret.txt") };`,
      permission: "read",
      target: new RegExp(`^${out}/secret\\.txt$`),
    },
    {
      name: "hard-link",
      body: `await Deno.link("${out}/secret.txt", ctx.scratchDir + "/l");
        return { ok: true, summary: await Deno.readTextFile(ctx.scratchDir + "/l") };`,
      permission: "read",
    },
    // writes outside
    {
      name: "write-outside",
      body: `await Deno.writeTextFile("${out}/pwned-write", "x"); ${ret}`,
      permission: "write",
      target: new RegExp(`^${out}/pwned-write$`),
    },
    {
      name: "node-fs-write",
      prelude: `import fs from "node:fs";`,
      body: `fs.writeFileSync("${out}/pwned-nodefs", "x"); ${ret}`,
      permission: "write",
    },
    {
      name: "dotdot-write",
      body:
        `await Deno.writeTextFile(ctx.scratchDir + "/../../../../../../../..${out}/pwned-dotdot",
        "x"); ${ret}`,
      permission: "write",
    },
    {
      name: "chmod-outside",
      body: `await Deno.chmod("${out}/secret.txt", 0o777); ${ret}`,
      permission: "write",
    },
    {
      name: "remove-outside",
      body: `await Deno.remove("${out}/secret.txt"); ${ret}`,
      permission: "write",
    },
    {
      name: "rename-outside",
      body: `await Deno.rename("${out}/secret.txt", ctx.scratchDir + "/moved"); ${ret}`,
      permission: ["read", "write"],
    },
    {
      name: "symlink",
      body: `await Deno.symlink("${out}", ctx.scratchDir + "/l");
        await Deno.writeTextFile(ctx.scratchDir + "/l/pwned-symlink", "x"); ${ret}`,
      permission: "write",
    },
    {
      name: "node-symlink",
      prelude: `import fs from "node:fs";`,
      body: `fs.symlinkSync("${out}", ctx.scratchDir + "/l");
        fs.writeFileSync(ctx.scratchDir + "/l/pwned-nodesymlink", "x"); ${ret}`,
      permission: ["read", "write"],
    },
    // processes
    {
      name: "deno-command",
      body: `await new Deno.Command("sh", { args: ["-c", "echo x > ${out}/pwned-cmd"] }).output();
        ${ret}`,
      permission: "run",
    },
    {
      // node:child_process reads NODE_V8_COVERAGE before spawning: the env check fires first.
      name: "child-process",
      prelude: `import cp from "node:child_process";`,
      body: `cp.execSync("echo x > ${out}/pwned-cp"); ${ret}`,
      permission: ["run", "env"],
    },
    {
      name: "ffi",
      body: `const l = Deno.dlopen("libc.so.6", { getpid: { parameters: [], result: "i32" } });
        return { ok: true, summary: String(l.symbols.getpid()) };`,
      permission: "ffi",
    },
    {
      // Needs --unstable-worker-options, which docket never passes: the child stops.
      name: "worker-escalate",
      body: `const w = new Worker("data:text/javascript,await fetch('${url}/worker-escalate')",
        { type: "module", deno: { permissions: { net: true } } } as any);
        await new Promise((ok) => w.onmessage = ok); ${ret}`,
      permission: "harmless",
    },
    {
      // Tasks get no Worker at all (a Worker's realm has its own web storage): it fails.
      name: "worker-inherits",
      body:
        `const w = new Worker("data:text/javascript,await fetch('${url}/worker');postMessage(1)",
        { type: "module" }); await new Promise((ok) => w.onmessage = ok); ${ret}`,
      permission: "harmless",
    },
    {
      name: "kill-parent",
      body: `Deno.kill(Deno.ppid, "SIGKILL"); ${ret}`,
      permission: "run",
    },
    {
      name: "process-kill-parent",
      prelude: `import process from "node:process";`,
      body: `process.kill(process.ppid, "SIGTERM"); ${ret}`,
      permission: "run",
    },
  ];
}

function writeCase(h: Home, c: Case): void {
  h.task(
    c.name,
    `{ description: "hostile: ${c.name}", async run(_config: unknown, ctx: any) { ${c.body} } }`,
    c.prelude ?? "",
  );
}

async function pool<T, R>(items: T[], n: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}

function noSecret(where: string, text: string): void {
  assert.ok(!text.includes(SECRET_ENV), `the env secret leaked into ${where}`);
  assert.ok(!text.includes(SECRET_FILE), `the file secret leaked into ${where}`);
}

function checkCase(c: Case, r: Result): void {
  const label = `${c.name}: ${r.stdout.slice(0, 600)}`;
  assert.equal(r.code, 1, label);
  // Either a recorded run that failed, or (module failed to load) an error envelope.
  const err = r.json.error;
  assert.ok(err, label);
  assert.notEqual(r.json.status, "succeeded", label);
  noSecret(`${c.name} output`, r.stdout + r.stderr);
  if (r.json.log_path && exists(r.json.log_path)) {
    noSecret(`${c.name} log`, Deno.readTextFileSync(r.json.log_path));
  }
  if (c.permission === "harmless") return;
  assert.equal(err.kind, "permission_denied", label);
  const want = Array.isArray(c.permission) ? c.permission : [c.permission];
  const named = err.details?.permission ??
    /Requires (\w+) access/.exec(err.message)?.[1];
  assert.ok(want.includes(named), `${label}\nwant permission ${want}, got ${named}`);
  if (c.target) assert.match(String(err.details?.target), c.target, label);
}

Deno.test("hostile drop-ins: every way out is denied, named, and leaves no effect", async () => {
  const srv = loopbackServer();
  try {
    await withHome(async (h) => {
      const out = `${h.dir}/outside`;
      Deno.mkdirSync(out);
      Deno.writeTextFileSync(`${out}/secret.txt`, SECRET_FILE, { mode: 0o600 });
      Deno.writeTextFileSync(`${out}/secret.json`, JSON.stringify({ s: SECRET_FILE }));
      Deno.writeTextFileSync(`${out}/mod.ts`, `export const s = "${SECRET_FILE}";\n`);
      const all = cases(out, srv.port);
      for (const c of all) writeCase(h, c);
      const results = await pool(
        all,
        3,
        (c) => h.run(["--json", "run", c.name], { env: { SECRET_TOKEN: SECRET_ENV } }),
      );
      all.forEach((c, i) => checkCase(c, results[i]!));
      assert.deepEqual(srv.hits, [], "no request may reach the loopback server");
      const left = [...Deno.readDirSync(out)].map((e) => e.name).sort();
      assert.deepEqual(left, ["mod.ts", "secret.json", "secret.txt"], "nothing written outside");
      assert.equal(Deno.readTextFileSync(`${out}/secret.txt`), SECRET_FILE);
      assert.equal(Deno.statSync(`${out}/secret.txt`).mode! & 0o777, 0o600);
      // The state records each denial: one failed run per case that loaded.
      const runs = await h.run(["--json", "runs", "--limit", "100"]);
      const failed = runs.json.runs.filter((r: { status: string }) => r.status === "failed");
      assert.equal(failed.length, all.length - 1, "static-import-outside fails before its run");
    });
  } finally {
    await srv.close();
  }
});

Deno.test("a declared path holding a symlink that leads outside is refused before the run", async () => {
  await withHome(async (h) => {
    const out = `${h.dir}/outside`;
    const data = `${h.dir}/data`;
    const wdir = `${h.dir}/wdir`;
    for (const d of [out, data, wdir]) Deno.mkdirSync(d);
    Deno.writeTextFileSync(`${out}/secret.txt`, SECRET_FILE);
    Deno.writeTextFileSync(`${data}/fine.txt`, "fine");
    Deno.mkdirSync(`${data}/sub`);
    Deno.symlinkSync(`${data}/fine.txt`, `${data}/sub/inside-link`); // stays inside: allowed
    const cfg = (file: string, reads: string[]) =>
      h.config(`tasks:
  reader:
    reads: ${JSON.stringify(reads)}
    file: "${file}"
  writer:
    destructive: true
    writes: ["${wdir}"]
`);
    cfg(`${data}/sub/inside-link`, [data]);
    h.task(
      "reader",
      `{ description: "r", async run(c: any) {
        return { ok: true, summary: await Deno.readTextFile(c.file) }; } }`,
    );
    h.task(
      "writer",
      `{ description: "w", async run() {
        await Deno.writeTextFile("${wdir}/out/pwned", "x"); return { ok: true, summary: "w" }; } }`,
    );
    // Without a link leading out, the task runs (the inside link is fine).
    const ok = await h.run(["--json", "run", "reader"]);
    assert.equal(ok.json.status, "succeeded", ok.stdout);
    assert.equal(ok.json.summary, "fine");
    cfg(`${data}/sub/leak`, [data]);
    Deno.symlinkSync(`${out}/secret.txt`, `${data}/sub/leak`);
    Deno.symlinkSync(out, `${wdir}/out`);
    const r = await h.run(["--json", "run", "reader"]);
    assert.equal(r.code, 1);
    assert.equal(r.json.error.kind, "permission_denied", r.stdout);
    assert.equal(r.json.error.details.permission, "read");
    assert.equal(r.json.error.details.target, Deno.realPathSync(`${out}/secret.txt`));
    assert.match(r.json.error.message, /symlink ".*\/sub\/leak" that leads outside it/);
    noSecret("reader output", r.stdout + r.stderr);
    const w = await h.run(["--json", "run", "writer"]);
    assert.equal(w.json.error.kind, "permission_denied", w.stdout);
    assert.equal(w.json.error.details.permission, "write");
    assert.ok(!exists(`${out}/pwned`), "nothing written through the link");
    // Refused runs are not started, so not recorded.
    const runs = await h.run(["--json", "runs"]);
    assert.equal(runs.json.runs.length, 1);
    // Declaring the target makes the link legitimate.
    cfg(`${data}/sub/leak`, [data, out]);
    const now = await h.run(["--json", "run", "reader"]);
    assert.equal(now.json.status, "succeeded", now.stdout);
    assert.equal(now.json.summary, SECRET_FILE);
  });
});
