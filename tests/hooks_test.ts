/** Completion hooks and native notifications through the real CLI. */
import assert from "node:assert/strict";
import { exists, type Home, until, withHome } from "./helpers.ts";

/** Reads a file written by `env -0` inside a hook. */
function readEnv(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of Deno.readTextFileSync(path).split("\0")) {
    const eq = entry.indexOf("=");
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}

function lines(path: string): string[] {
  return exists(path) ? Deno.readTextFileSync(path).split("\n").filter((l) => l) : [];
}

// deno-lint-ignore no-explicit-any
type Json = any;

function assertRunVars(env: Record<string, string>, run: Json, status: string, code: number) {
  assert.equal(env.DOCKET_RUN_ID, run.run_id);
  assert.equal(env.DOCKET_TASK_NAME, run.task);
  assert.equal(env.DOCKET_STATUS, status);
  assert.equal(env.DOCKET_EXIT_CODE, String(code));
  assert.equal(env.DOCKET_SUMMARY, run.summary);
  assert.deepEqual(JSON.parse(env.DOCKET_DETAILS_JSON!), run.details);
  assert.equal(env.DOCKET_LOG_PATH, run.log_path);
}

Deno.test("on_success and on_complete (string and list) run with the run's variables", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    h.config(`tasks:
  good:
    type: command
    command: ["sh", "-c", "echo hello"]
    on_success: "env -0 > ${d}/success.env"
    on_failure: "touch ${d}/failure-ran"
    on_complete: ["env -0 > ${d}/complete.env", "echo second >> ${d}/order"]
`);
    const r = await h.run(["--json", "run", "good"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.status, "succeeded");
    assert.deepEqual(
      r.json.hooks.map((x: Json) => [x.name, x.ok, x.exit_code]),
      [["on_success", true, 0], ["on_complete", true, 0], ["on_complete", true, 0]],
    );
    assertRunVars(readEnv(`${d}/success.env`), r.json, "succeeded", 0);
    assertRunVars(readEnv(`${d}/complete.env`), r.json, "succeeded", 0);
    assert.equal(r.json.summary, "sh exited 0: hello");
    assert.deepEqual(lines(`${d}/order`), ["second"]);
    assert.ok(!exists(`${d}/failure-ran`), "on_failure must not run for a success");
  });
});

Deno.test("on_failure (list) and on_complete run for a failed task with its variables", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    h.config(`tasks:
  bad:
    type: command
    command: ["sh", "-c", "echo broken >&2; exit 3"]
    on_success: "touch ${d}/success-ran"
    on_failure: ["env -0 > ${d}/failure.env", "echo two >> ${d}/order"]
    on_complete: "echo three >> ${d}/order"
`);
    const r = await h.run(["--json", "run", "bad"]);
    assert.equal(r.code, 1);
    assert.equal(r.json.status, "failed");
    assert.deepEqual(r.json.hooks.map((x: Json) => x.name), [
      "on_failure",
      "on_failure",
      "on_complete",
    ]);
    assertRunVars(readEnv(`${d}/failure.env`), r.json, "failed", 1);
    assert.equal(r.json.details.exit_code, 3);
    assert.deepEqual(lines(`${d}/order`), ["two", "three"], "outcome hooks first, in order");
    assert.ok(!exists(`${d}/success-ran`));
  });
});

Deno.test("a timed-out run fires on_failure with DOCKET_STATUS=timeout", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    h.config(`tasks:
  slow:
    type: command
    command: ["sleep", "30"]
    timeout_seconds: 1
    kill_grace_seconds: 1
    on_failure: "env -0 > ${d}/failure.env"
`);
    const r = await h.run(["--json", "run", "slow"]);
    assert.equal(r.json.status, "timeout");
    const env = readEnv(`${d}/failure.env`);
    assert.equal(env.DOCKET_STATUS, "timeout");
    assert.equal(env.DOCKET_EXIT_CODE, "1");
    assert.equal(env.DOCKET_RUN_ID, r.json.run_id);
  });
});

Deno.test("a cancelled async run fires on_failure; cancel and wait return its hooks", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    h.config(`tasks:
  long:
    type: command
    command: ["sleep", "30"]
    kill_grace_seconds: 1
    on_failure: "env -0 > ${d}/failure.env"
    on_complete: "echo done >> ${d}/complete"
`);
    const receipt = (await h.run(["--json", "run", "long", "--async"])).json;
    const st = await h.run(["--json", "status", "--run-id", receipt.run_id]);
    assert.equal(st.json.run.status, "running");
    const c = await h.run(["--json", "cancel", receipt.run_id]);
    assert.equal(c.json.status, "cancelled", c.stdout + c.stderr);
    const w = await h.run(["--json", "wait", receipt.run_id]);
    assert.equal(w.json.status, "cancelled");
    assert.deepEqual(w.json.hooks.map((x: Json) => [x.name, x.ok]), [
      ["on_failure", true],
      ["on_complete", true],
    ]);
    const env = readEnv(`${d}/failure.env`);
    assert.equal(env.DOCKET_STATUS, "cancelled");
    assert.equal(env.DOCKET_RUN_ID, receipt.run_id);
    assert.deepEqual(lines(`${d}/complete`), ["done"]);
  });
});

Deno.test("run data never executes inside a hook: $(...), backticks and quotes stay text", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    const evil = `$(touch ${d}/pwned) \`touch ${d}/pwned2\` "dq" 'sq' ; touch ${d}/pwned3`;
    Deno.writeTextFileSync(`${d}/payload.txt`, `${evil}\n`);
    h.config(`tasks:
  inject:
    type: command
    command: ["cat", "${d}/payload.txt"]
    on_complete:
      - printf '%s' "$DOCKET_SUMMARY" > ${d}/summary.txt
      - echo $DOCKET_SUMMARY $DOCKET_DETAILS_JSON > /dev/null
`);
    const r = await h.run(["--json", "run", "inject"]);
    assert.equal(r.json.status, "succeeded");
    assert.equal(r.json.summary, `cat exited 0: ${evil}`);
    assert.ok(r.json.hooks.every((x: Json) => x.ok), JSON.stringify(r.json.hooks));
    assert.equal(Deno.readTextFileSync(`${d}/summary.txt`), `cat exited 0: ${evil}`);
    for (const f of ["pwned", "pwned2", "pwned3"]) assert.ok(!exists(`${d}/${f}`), f);
  });
});

Deno.test("a failing hook is recorded (exit code, output tail) and changes nothing else", async () => {
  await withHome(async (h) => {
    h.config(`tasks:
  fine:
    type: command
    command: ["true"]
    on_success: "echo to-stdout; echo to-stderr >&2; exit 7"
`);
    const r = await h.run(["--json", "run", "fine"]);
    assert.equal(r.code, 0, "the task's exit code stands");
    assert.equal(r.json.status, "succeeded");
    assert.equal(r.json.ok, true);
    const [hook] = r.json.hooks;
    assert.equal(hook.name, "on_success");
    assert.equal(hook.ok, false);
    assert.equal(hook.exit_code, 7);
    assert.match(hook.output_tail, /to-stdout/);
    assert.match(hook.output_tail, /to-stderr/);
    assert.match(hook.error, /exit code 7/);
    const st = await h.run(["--json", "status", "--run-id", r.json.run_id]);
    assert.equal(st.json.run.status, "succeeded");
    assert.deepEqual(st.json.run.hooks, r.json.hooks, "the run's history keeps the hooks");
    const human = await h.run(["run", "fine"]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /hook: +on_success failed/);
  });
});

Deno.test("a hook past hook_timeout_seconds is killed and recorded as timed out", async () => {
  await withHome(async (h) => {
    h.config(`tasks:
  t:
    type: command
    command: ["true"]
    hook_timeout_seconds: 1
    on_complete: ["sleep 30", "echo next"]
`);
    const t0 = Date.now();
    const r = await h.run(["--json", "run", "t"]);
    assert.ok(Date.now() - t0 < 15_000, "the hook must not hold the run for 30 s");
    assert.equal(r.code, 0);
    const [slow, next] = r.json.hooks;
    assert.equal(slow.timed_out, true);
    assert.equal(slow.ok, false);
    assert.equal(slow.exit_code, null);
    assert.match(slow.error, /timed out after 1 s/);
    assert.equal(next.ok, true, "later hooks still run");
    assert.equal(next.output_tail, "next\n");
  });
});

Deno.test("an async run fires its hooks from the runner; wait returns them", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    h.config(`tasks:
  bg:
    type: command
    command: ["sh", "-c", "echo working"]
    on_success: "sleep 0.5; env -0 > ${d}/success.env"
`);
    const receipt = (await h.run(["--json", "run", "bg", "--async"])).json;
    const w = await h.run(["--json", "wait", receipt.run_id]);
    assert.equal(w.json.status, "succeeded");
    assert.ok(exists(`${d}/success.env`), "wait returns after the hooks ran");
    assert.deepEqual(w.json.hooks.map((x: Json) => [x.name, x.ok]), [["on_success", true]]);
    const env = readEnv(`${d}/success.env`);
    assertRunVars(env, w.json, "succeeded", 0);
    assert.equal(env.DOCKET_LOG_PATH, receipt.log_path);
    const st = await h.run(["--json", "status", "--run-id", receipt.run_id]);
    assert.deepEqual(st.json.run.hooks, w.json.hooks);
  });
});

Deno.test("hooks fire exactly once per run, not once per retry attempt", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    h.config(`tasks:
  flaky:
    type: command
    command: ["false"]
    retry: 2
    backoff_base: 0.01
    on_failure: "echo $DOCKET_RUN_ID >> ${d}/failures"
    on_complete: "echo x >> ${d}/completes"
`);
    const r = await h.run(["--json", "run", "flaky"]);
    assert.equal(r.json.status, "failed");
    assert.equal(r.json.attempts, 3);
    assert.deepEqual(lines(`${d}/failures`), [r.json.run_id]);
    assert.deepEqual(lines(`${d}/completes`), ["x"]);
  });
});

Deno.test("dry runs fire no hooks and send no notifications", async () => {
  await withHome(async (h) => {
    const d = h.dir;
    const svc = fakeService(() => Response.json({ ok: true }));
    try {
      h.config(`tasks:
  dry:
    type: command
    command: ["true"]
    dry_run_args: []
    on_success: "touch ${d}/success-ran"
    on_complete: "touch ${d}/complete-ran"
    notify:
      on: [complete]
      telegram:
        chat: "1"
        bot_token_env: TG_TOKEN
        api_base: ${svc.base}
`);
      const r = await h.run(["--json", "run", "dry", "--dry-run"], {
        env: { TG_TOKEN: "1:abcdef" },
      });
      assert.equal(r.json.status, "dry_run");
      assert.deepEqual(r.json.hooks, []);
      assert.ok(!exists(`${d}/success-ran`) && !exists(`${d}/complete-ran`));
      assert.equal(svc.requests.length, 0);
    } finally {
      await svc.close();
    }
  });
});

// ---- Native notifications against loopback stand-ins for Discord and Telegram ----

interface Seen {
  method: string;
  path: string;
  search: string;
  contentType: string | null;
  body: Json;
  at: number;
}

/** A loopback HTTP server answering with `respond(n)` for its n-th request (from 0). */
function fakeService(respond: (n: number) => Response | Promise<Response>) {
  const requests: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const text = await req.text();
    let body: Json = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    requests.push({
      method: req.method,
      path: decodeURIComponent(url.pathname),
      search: url.search,
      contentType: req.headers.get("content-type"),
      body,
      at: Date.now(),
    });
    return await respond(requests.length - 1);
  });
  const base = `http://127.0.0.1:${(server.addr as Deno.NetAddr).port}`;
  return { base, requests, close: () => server.shutdown() };
}

const TG_TOKEN = "123456:AAE-s3cr3t_T0ken-xyz";
const DISCORD_TOKEN = "Wh-s3cr3t_webhook_T0ken";

function notifyTask(h: Home, opts: {
  command?: string;
  discord?: string;
  telegram?: string;
  on?: string;
  extra?: string;
}) {
  h.config(`tasks:
  job:
    type: command
    command: ${opts.command ?? `["sh", "-c", "echo 'nope @everyone' >&2; exit 2"]`}
${opts.extra ?? ""}    notify:
${opts.on ? `      on: ${opts.on}\n` : ""}      timeout_seconds: 2
      message: "{task} {status} ({exit_code}): {summary} [{run_id}]"
${opts.discord ?? ""}${opts.telegram ?? ""}`);
}

const discordBlock = `      discord:
        webhook_url_env: DISCORD_URL
        username: Docket
`;
const telegramBlock = (base: string) =>
  `      telegram:
        chat: "8223639759"
        bot_token_env: TG_TOKEN
        api_base: ${base}
`;

Deno.test("Discord: a failure posts one webhook message with mentions disabled", async () => {
  const svc = fakeService(() => Response.json({ id: "1" }));
  try {
    await withHome(async (h) => {
      notifyTask(h, { discord: discordBlock });
      const env = { DISCORD_URL: `${svc.base}/api/webhooks/42/${DISCORD_TOKEN}` };
      const r = await h.run(["--json", "run", "job"], { env });
      assert.equal(r.code, 1);
      assert.equal(svc.requests.length, 1);
      const [req] = svc.requests;
      assert.equal(req!.method, "POST");
      assert.equal(req!.path, `/api/webhooks/42/${DISCORD_TOKEN}`);
      assert.equal(req!.search, "?wait=true");
      assert.equal(req!.contentType, "application/json");
      assert.deepEqual(req!.body, {
        content: `job failed (1): ${r.json.summary} [${r.json.run_id}]`,
        username: "Docket",
        allowed_mentions: { parse: [] },
      });
      assert.match(req!.body.content, /@everyone/, "text kept, but it cannot ping");
      const [hook] = r.json.hooks;
      assert.deepEqual([hook.name, hook.ok, hook.http_status], ["notify:discord", true, 200]);
      assert.ok(!r.stdout.includes(DISCORD_TOKEN));
    });
  } finally {
    await svc.close();
  }
});

Deno.test("Telegram: POST /bot<token>/sendMessage with chat_id and plain text", async () => {
  const svc = fakeService(() => Response.json({ ok: true, result: { message_id: 1 } }));
  try {
    await withHome(async (h) => {
      notifyTask(h, { telegram: telegramBlock(svc.base), on: "[success]", command: `["true"]` });
      const r = await h.run(["--json", "run", "job"], { env: { TG_TOKEN } });
      assert.equal(r.code, 0);
      assert.equal(svc.requests.length, 1);
      const [req] = svc.requests;
      assert.equal(req!.method, "POST");
      assert.equal(req!.path, `/bot${TG_TOKEN}/sendMessage`);
      assert.equal(req!.contentType, "application/json");
      assert.deepEqual(req!.body, {
        chat_id: "8223639759",
        text: `job succeeded (0): ${r.json.summary} [${r.json.run_id}]`,
      });
      const [hook] = r.json.hooks;
      assert.deepEqual([hook.name, hook.ok, hook.http_status], ["notify:telegram", true, 200]);
    });
  } finally {
    await svc.close();
  }
});

Deno.test("notify.on defaults to failures: a success sends nothing", async () => {
  const svc = fakeService(() => Response.json({ ok: true }));
  try {
    await withHome(async (h) => {
      notifyTask(h, {
        telegram: telegramBlock(svc.base),
        discord: discordBlock,
        command: `["true"]`,
      });
      const env = { TG_TOKEN, DISCORD_URL: `${svc.base}/api/webhooks/42/${DISCORD_TOKEN}` };
      const r = await h.run(["--json", "run", "job"], { env });
      assert.equal(r.json.status, "succeeded");
      assert.deepEqual(r.json.hooks, []);
      assert.equal(svc.requests.length, 0);
    });
  } finally {
    await svc.close();
  }
});

Deno.test("a 429 is retried after retry_after, then the 200 counts (both services)", async () => {
  const tg = fakeService((n) =>
    n === 0
      ? Response.json({
        ok: false,
        error_code: 429,
        description: "Too Many Requests: retry after 1",
        parameters: { retry_after: 1 },
      }, { status: 429 })
      : Response.json({ ok: true, result: {} })
  );
  const dc = fakeService((n) =>
    n === 0
      ? Response.json({ message: "You are being rate limited.", retry_after: 0.3, global: false }, {
        status: 429,
      })
      : Response.json({ id: "1" })
  );
  try {
    await withHome(async (h) => {
      notifyTask(h, { telegram: telegramBlock(tg.base), discord: discordBlock });
      const env = { TG_TOKEN, DISCORD_URL: `${dc.base}/api/webhooks/42/${DISCORD_TOKEN}` };
      const r = await h.run(["--json", "run", "job"], { env });
      assert.equal(r.json.status, "failed");
      assert.equal(tg.requests.length, 2);
      assert.equal(dc.requests.length, 2);
      assert.ok(tg.requests[1]!.at - tg.requests[0]!.at >= 900, "waited retry_after (1 s)");
      assert.ok(dc.requests[1]!.at - dc.requests[0]!.at >= 250, "waited retry_after (0.3 s)");
      assert.deepEqual(tg.requests[1]!.body, tg.requests[0]!.body, "the same message again");
      const byName = Object.fromEntries(r.json.hooks.map((x: Json) => [x.name, x]));
      assert.deepEqual(
        [byName["notify:telegram"].ok, byName["notify:telegram"].http_status],
        [true, 200],
      );
      assert.deepEqual(
        [byName["notify:discord"].ok, byName["notify:discord"].http_status],
        [true, 200],
      );
    });
  } finally {
    await tg.close();
    await dc.close();
  }
});

Deno.test("a 500 is reported with its status, without the token, and the run stands", async () => {
  // The error body echoes the token, as a misbehaving proxy might.
  const svc = fakeService(() =>
    Response.json({
      ok: false,
      error_code: 500,
      description: `Internal Server Error at /bot${TG_TOKEN}/sendMessage`,
    }, { status: 500 })
  );
  try {
    await withHome(async (h) => {
      notifyTask(h, { telegram: telegramBlock(svc.base), on: "[complete]", command: `["true"]` });
      const r = await h.run(["--json", "run", "job"], { env: { TG_TOKEN } });
      assert.equal(r.code, 0, "a notification failure never changes the run");
      assert.equal(r.json.status, "succeeded");
      assert.ok(svc.requests.length >= 1 && svc.requests.length <= 2, "at most one retry");
      const [hook] = r.json.hooks;
      assert.equal(hook.name, "notify:telegram");
      assert.equal(hook.ok, false);
      assert.equal(hook.http_status, 500);
      assert.match(hook.error, /HTTP 500/);
      assert.match(hook.error, /bot123456:\*\*\*\/sendMessage/);
      assert.ok(!r.stdout.includes(TG_TOKEN), r.stdout);
      assert.ok(!r.stdout.includes("s3cr3t"), r.stdout);
    });
  } finally {
    await svc.close();
  }
});

Deno.test("a service that never answers times out within notify.timeout_seconds", async () => {
  let release!: () => void;
  const never = new Promise<void>((resolve) => release = resolve);
  const svc = fakeService(async () => {
    await never;
    return Response.json({ ok: true });
  });
  try {
    await withHome(async (h) => {
      notifyTask(h, { telegram: telegramBlock(svc.base) });
      const t0 = Date.now();
      const r = await h.run(["--json", "run", "job"], { env: { TG_TOKEN } });
      assert.ok(Date.now() - t0 < 10_000, "bounded by the 2 s timeout");
      assert.equal(r.json.status, "failed");
      assert.equal(r.code, 1);
      const [hook] = r.json.hooks;
      assert.equal(hook.name, "notify:telegram");
      assert.equal(hook.ok, false);
      assert.equal(hook.http_status, null);
      assert.match(hook.error, /no response within 2 s/);
      await until(() => svc.requests.length === 1, 2000, "the request to arrive");
    });
  } finally {
    release();
    await svc.close();
  }
});

// ---- Secrets ----

Deno.test("tokens never appear in run JSON, status, describe, capabilities, logs or errors", async () => {
  // A port with nothing listening: the connection error names the URL, token included.
  const gone = fakeService(() => new Response());
  const deadBase = gone.base;
  await gone.close();
  const svc = fakeService(() =>
    Response.json({ ok: false, description: `bad bot${TG_TOKEN}` }, { status: 400 })
  );
  const inlineWebhook = `https://discord.com/api/webhooks/42/${DISCORD_TOKEN}`;
  try {
    await withHome(async (h) => {
      const d = h.dir;
      Deno.writeTextFileSync(
        `${d}/leak.sh`,
        `printf '{"type":"leak","token":"%s"}\\n' "$TG_TOKEN"\necho "pw $MY_SECRET" >&2\nexit 1\n`,
      );
      h.config(`tasks:
  job:
    type: command
    required_env: [TG_TOKEN, MY_SECRET]
    command: ["sh", "${d}/leak.sh"]
    output_format: jsonl
    on_failure: "echo hook sees $TG_TOKEN and $MY_SECRET; echo $DOCKET_SUMMARY > ${d}/summary"
    notify:
      telegram:
        chat: "1"
        bot_token_env: TG_TOKEN
        api_base: ${svc.base}
  dead:
    type: command
    command: ["false"]
    notify:
      telegram:
        chat: "1"
        bot_token_env: TG_TOKEN
        api_base: ${deadBase}
  inline:
    type: command
    command: ["true"]
    on_failure: "curl -d x ${inlineWebhook}"
    notify:
      discord:
        webhook_url: ${inlineWebhook}
      telegram:
        chat: "1"
        bot_token: "${TG_TOKEN}"
`);
      const env = { TG_TOKEN, MY_SECRET: "hunter2-pass" };
      const secrets = [TG_TOKEN, "s3cr3t", DISCORD_TOKEN, "hunter2-pass"];
      const clean = (what: string, text: string) => {
        for (const s of secrets) assert.ok(!text.includes(s), `${what} leaks ${s}:\n${text}`);
      };

      const r = await h.run(["--json", "run", "job"], { env });
      assert.equal(r.json.status, "failed");
      clean("run --json", r.stdout + r.stderr);
      assert.match(r.json.details.stdout, /"token":"\*\*\*"/);
      assert.match(r.json.summary, /pw \*\*\*/);
      const byName = Object.fromEntries(r.json.hooks.map((x: Json) => [x.name, x]));
      assert.match(byName.on_failure.output_tail, /hook sees \*\*\* and \*\*\*/);
      assert.equal(byName["notify:telegram"].http_status, 400);
      assert.match(byName["notify:telegram"].error, /bad bot123456:\*\*\*/);
      clean("DOCKET_SUMMARY", Deno.readTextFileSync(`${d}/summary`));
      clean("log file", Deno.readTextFileSync(r.json.log_path));
      assert.match(Deno.readTextFileSync(r.json.log_path), /"token":"\*\*\*"/);
      clean(
        "status --run-id",
        (await h.run(["--json", "status", "--run-id", r.json.run_id])).stdout,
      );
      clean("status (human)", (await h.run(["status", "--run-id", r.json.run_id])).stdout);
      clean("logs", (await h.run(["logs", r.json.run_id])).stdout);
      const events = await h.run(["--json", "events", r.json.run_id]);
      assert.match(events.stdout, /"leak"/);
      clean("events", events.stdout);

      const dead = await h.run(["--json", "run", "dead"], { env });
      const [hook] = dead.json.hooks;
      assert.equal(hook.ok, false);
      assert.equal(hook.http_status, null);
      assert.match(hook.error, /Cannot send Telegram notification/);
      clean("unreachable service error", dead.stdout + dead.stderr);

      for (const args of [["describe", "inline"], ["capabilities"]]) {
        const out = await h.run(["--json", ...args], { env });
        assert.equal(out.code, 0, out.stderr);
        clean(args[0]!, out.stdout + out.stderr);
        clean(`${args[0]} (human)`, (await h.run(args, { env })).stdout);
      }
      const described = (await h.run(["--json", "describe", "inline"])).json.task.config;
      assert.equal(described.notify.discord.webhook_url, "***");
      assert.equal(described.notify.telegram.bot_token, "***");
      assert.equal(described.on_failure, "curl -d x https://discord.com/api/webhooks/42/***");
      assert.equal(
        (await h.run(["--json", "describe", "job"])).json.task.config.notify
          .telegram.bot_token_env,
        "TG_TOKEN",
        "variable names stay visible",
      );
    });
  } finally {
    await svc.close();
  }
});
