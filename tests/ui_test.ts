/** `docket ui` through real HTTP: the real server, a real home, real runs. */
import assert from "node:assert/strict";
import { exists, type Home, until, withHome } from "./helpers.ts";
import { rawStatus, startUi, type Ui } from "./ui_helpers.ts";
import { fillHistory } from "../bench/history.ts";

const SLOW =
  `["sh", "-c", "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do echo tick $i; sleep 0.3; done"]`;

function config(h: Home, extra = ""): void {
  h.config(`tasks:
  hello:
    type: command
    command: ["sh", "-c", "echo '<img src=x onerror=alert(1)>'"]
    schedule: "0 3 * * *"
  leaky:
    type: command
    command: ["curl", "--token", "XXXXSECRETXXXX", "https://example.com"]
  slow:
    type: command
    command: ${SLOW}
${extra}`);
  h.task(
    "dropped",
    `{ description: "a drop-in <b>bold</b>", run: () => ({ ok: true, summary: "fine" }) }`,
  );
}

async function withUi(args: string[], fn: (h: Home, ui: Ui) => Promise<void>, extra = "") {
  await withHome(async (h) => {
    config(h, extra);
    const ui = await startUi(h, args);
    try {
      await fn(h, ui);
    } finally {
      await ui.stop();
    }
  });
}

const get = async (ui: Ui, path: string) => {
  const r = await fetch(new URL(path, ui.url));
  return { status: r.status, headers: r.headers, text: await r.text() };
};

Deno.test("ui: the overview lists configured, drop-in and built-in tasks, escaped, under a strict CSP", async () => {
  await withUi([], async (h, ui) => {
    assert.equal((await h.run(["--json", "run", "hello"])).code, 0);
    const r = await get(ui, "/");
    assert.equal(r.status, 200);
    assert.match(
      r.headers.get("content-security-policy")!,
      /default-src 'none'; script-src 'self'/,
    );
    assert.equal(r.headers.get("access-control-allow-origin"), null);
    for (const name of ["hello", "slow", "dropped", "backup", "health-check"]) {
      assert.ok(r.text.includes(`href="/tasks/${name}"`), name);
    }
    assert.ok(r.text.includes("a drop-in &lt;b&gt;bold&lt;/b&gt;"), "description escaped");
    assert.ok(!r.text.includes("<b>bold"), "no raw markup from task data");
    assert.ok(!/<script>|<script [^s]/.test(r.text), "no inline script");
    const api = await (await fetch(new URL("/api/overview", ui.url))).json();
    const hello = api.tasks.find((t: { name: string }) => t.name === "hello");
    assert.equal(hello.last_run.status, "succeeded");
    assert.equal(hello.stats.success_rate, 1);
    assert.equal(hello.state, "scheduled");
    assert.ok(Date.parse(hello.next_due) > Date.now(), hello.next_due);
    assert.equal(api.tasks.find((t: { name: string }) => t.name === "dropped").source, "dropin");
    // The run page: the task's output is shown as text, never markup.
    const page = await get(ui, `/runs/${hello.last_run.run_id}`);
    assert.ok(page.text.includes("&lt;img src=x onerror=alert(1)&gt;"), page.text);
    assert.ok(!page.text.includes("<img src=x"));
  });
});

Deno.test("ui: /api mirrors the CLI's --json documents", async () => {
  await withUi([], async (h, ui) => {
    const run = await h.run(["--json", "run", "hello"]);
    const status = await (await fetch(new URL("/api/status", ui.url))).json();
    const cli = (await h.run(["--json", "status"])).json;
    assert.deepEqual(status, cli);
    const one = await (await fetch(new URL(`/api/runs/${run.json.run_id}`, ui.url))).json();
    assert.deepEqual(one, (await h.run(["--json", "status", "--run-id", run.json.run_id])).json);
    const caps = await (await fetch(new URL("/api/capabilities", ui.url))).json();
    const capsCli = (await h.run(["--json", "capabilities"])).json;
    assert.deepEqual(caps.tasks, capsCli.tasks);
    const bad = await fetch(new URL("/api/runs/not-a-run", ui.url));
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.kind, "usage");
  });
});

Deno.test("ui: the task page shows permissions as capabilities does and masks secrets", async () => {
  await withUi([], async (h, ui) => {
    const leaky = await get(ui, "/tasks/leaky");
    assert.equal(leaky.status, 200);
    assert.ok(leaky.text.includes("curl"), "the config is shown");
    assert.ok(!leaky.text.includes("XXXXSECRETXXXX"), "the argv's token is masked");
    const r = await get(ui, "/tasks/hello");
    assert.equal(r.status, 200);
    const api = await (await fetch(new URL("/api/tasks/hello", ui.url))).json();
    const caps = (await h.run(["--json", "capabilities"])).json;
    const c = caps.tasks.find((t: { name: string }) => t.name === "hello");
    assert.deepEqual(api.task.permissions, c.permissions);
    assert.ok(r.text.includes(`>${c.permissions.enforced_by.network}<`), "enforced_by shown");
    assert.equal((await get(ui, "/tasks/nope")).status, 404);
    assert.equal((await get(ui, "/tasks/..%2Fetc")).status, 400);
  });
});

Deno.test("ui: the task page pages runs by keyset (?before=run_id), no overlap, none skipped", async () => {
  await withUi([], async (h, ui) => {
    await h.run(["--json", "status"]);
    fillHistory(h.stateDb, { runs: 120, tasks: 1, taskPrefix: "hello" });
    // The history's task is "hello0": every run of it, three pages of at most 50.
    const seen: string[] = [];
    let before: string | null = null;
    for (let i = 0; i < 5; i++) {
      const q: string = before ? `?before=${before}` : "";
      const d = await (await fetch(new URL(`/api/tasks/hello0${q}`, ui.url))).json();
      seen.push(...d.runs.map((r: { run_id: string }) => r.run_id));
      before = d.next_before;
      if (!before) break;
    }
    assert.equal(seen.length, 120);
    assert.equal(new Set(seen).size, 120);
    assert.deepEqual(seen, [...seen].sort().reverse());
    const html = await get(ui, `/tasks/hello0?before=${seen[49]}`);
    assert.ok(html.text.includes(`/runs/${seen[50]}`) && !html.text.includes(`/runs/${seen[49]}"`));
    assert.ok(html.text.includes("outlier"), "the chart marks outliers");
    assert.equal((await get(ui, "/tasks/hello0?before=1%20OR%201=1")).status, 400);
  });
});

Deno.test("ui: actions need the token; with it a run starts and its log streams live until the end", async () => {
  await withUi([], async (h, ui) => {
    const none = await ui.post("/api/tasks/hello/run", {}, null);
    assert.equal(none.status, 403);
    assert.equal((await none.json()).error.kind, "permission_denied");
    const wrong = await ui.post("/api/tasks/hello/run", {}, "0".repeat(48));
    assert.equal(wrong.status, 403);
    await wrong.body?.cancel();
    assert.equal((await h.run(["--json", "runs"])).json.runs.length, 0, "no run started");
    const ok = await ui.post("/api/tasks/slow/run", {});
    assert.equal(ok.status, 200);
    const receipt = await ok.json();
    assert.equal(receipt.status, "running");
    const es = await fetch(new URL(`/api/runs/${receipt.run_id}/log/stream?offset=0`, ui.url));
    assert.equal(es.headers.get("content-type"), "text/event-stream");
    let text = "";
    for await (const c of es.body!.pipeThrough(new TextDecoderStream())) text += c;
    assert.match(text, /event: output\ndata: \{"text":"tick 1\\n/);
    assert.ok(text.includes("tick 20"), text);
    const end = text.split("event: end\ndata: ")[1]!;
    assert.equal(JSON.parse(end.trim()).run.status, "succeeded");
  });
});

Deno.test("ui: Host and Origin checks refuse DNS rebinding and cross-site posts", async () => {
  await withUi([], async (_h, ui) => {
    assert.equal(await rawStatus(ui.port, `GET / HTTP/1.1\r\nHost: evil.example:${ui.port}`), 403);
    assert.equal(await rawStatus(ui.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${ui.port}`), 200);
    assert.equal(await rawStatus(ui.port, `GET / HTTP/1.1\r\nHost: localhost:${ui.port}`), 200);
    const cross = await fetch(new URL("/api/tasks/hello/run", ui.url), {
      method: "POST",
      headers: { "x-docket-token": ui.token, origin: "http://evil.example" },
      body: "{}",
    });
    assert.equal(cross.status, 403);
    await cross.body?.cancel();
    const opts = await fetch(new URL("/api/tasks/hello/run", ui.url), { method: "OPTIONS" });
    assert.equal(opts.headers.get("access-control-allow-origin"), null);
    assert.equal(opts.headers.get("access-control-allow-headers"), null);
    await opts.body?.cancel();
  });
});

Deno.test("ui: --read-only refuses actions even with the token", async () => {
  await withUi(["--read-only"], async (h, ui) => {
    const r = await ui.post("/api/tasks/hello/run", {});
    assert.equal(r.status, 403);
    assert.match((await r.json()).error.message, /read-only/);
    assert.equal((await h.run(["--json", "runs"])).json.runs.length, 0);
    assert.ok(!(await get(ui, "/tasks/hello")).text.includes("data-run="), "no run button");
  });
});

Deno.test("ui: a destructive task runs only with --allow-destructive (the MCP gate)", async () => {
  for (const allow of [false, true]) {
    await withHome(async (h) => {
      config(h);
      const out = Deno.makeTempDirSync({ prefix: "docket-ui-out-" });
      try {
        h.task(
          "wipe",
          `{ description: "d", destructive: true, writes: [${JSON.stringify(out)}],
             run: () => { Deno.writeTextFileSync(${JSON.stringify(`${out}/f`)}, "x");
               return { ok: true, summary: "wrote" }; } }`,
        );
        const ui = await startUi(h, allow ? ["--allow-destructive"] : []);
        try {
          const r = await ui.post("/api/tasks/wipe/run", {});
          const j = await r.json();
          if (!allow) {
            assert.equal(r.status, 403);
            assert.match(j.error.message, /--allow-destructive/);
            assert.ok(!exists(`${out}/f`));
          } else {
            assert.equal(r.status, 200, JSON.stringify(j));
            await until(() => exists(`${out}/f`), 20000, "the destructive run's write");
          }
        } finally {
          await ui.stop();
        }
      } finally {
        Deno.removeSync(out, { recursive: true });
      }
    });
  }
});

Deno.test("ui: cancel stops a run this server started; one started elsewhere needs --allow-destructive", async () => {
  await withUi([], async (h, ui) => {
    const mine = await (await ui.post("/api/tasks/slow/run", {})).json();
    const c = await ui.post(`/api/runs/${mine.run_id}/cancel`, {});
    const cj = await c.json();
    assert.equal(c.status, 200, JSON.stringify(cj));
    assert.equal(cj.status, "cancelled");
    const other = (await h.run(["--json", "run", "slow", "--async"])).json;
    const refused = await ui.post(`/api/runs/${other.run_id}/cancel`, {});
    assert.equal(refused.status, 403);
    await refused.body?.cancel();
    const st = (await h.run(["--json", "status", "--run-id", other.run_id])).json;
    assert.equal(st.run.status, "running");
    await h.run(["--json", "cancel", other.run_id]);
  });
});

Deno.test("ui: a non-loopback --bind says what it exposes; a bad one is a usage error", async () => {
  await withHome(async (h) => {
    config(h);
    const bad = await h.run(["--json", "ui", "--bind", "example.com"]);
    assert.equal(bad.code, 1);
    assert.equal(bad.json.error.kind, "usage");
    const port = await h.run(["--json", "ui", "--port", "99999"]);
    assert.equal(port.json.error.kind, "usage");
    const ui = await startUi(h, ["--bind", "0.0.0.0"]);
    try {
      await until(() => /anyone who can reach/.test(ui.stderr()), 5000, "the exposure warning");
      assert.equal(
        await rawStatus(ui.port, `GET / HTTP/1.1\r\nHost: evil.example:${ui.port}`),
        403,
      );
    } finally {
      await ui.stop();
    }
  });
});
