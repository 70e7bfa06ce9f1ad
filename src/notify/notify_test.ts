import assert, { deepStrictEqual as assertEquals } from "node:assert/strict";
import type { RunOutcome } from "./hooks.ts";
import {
  formatDuration,
  type NotifyConfig,
  renderMessage,
  sendNotifications,
  shouldNotify,
  truncateText,
} from "./notify.ts";

const WEBHOOK_TOKEN = "wh-Secret_Token-xyz";
const BOT_TOKEN = "123456:AAE-bot_Secret_xyz";

interface Recorded {
  method: string;
  path: string;
  contentType: string | null;
  body: Record<string, unknown>;
  at: number;
}

type Reply = (req: Request, n: number) => Response | Promise<Response>;

/** A loopback stand-in for Discord or Telegram that records every request it gets. */
function fakeService(reply: Reply) {
  const requests: Recorded[] = [];
  const { promise: closing, resolve: release } = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    requests.push({
      method: req.method,
      path: url.pathname + url.search,
      contentType: req.headers.get("content-type"),
      body: await req.json(),
      at: performance.now(),
    });
    return await reply(req, requests.length);
  });
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    requests,
    /** For handlers that never answer on their own. */
    closing,
    async close() {
      release();
      await server.shutdown();
    },
  };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });

const discordOk = () => json(200, { id: "1", content: "x" });
const telegramOk = () => json(200, { ok: true, result: { message_id: 1 } });

function outcome(over: Partial<RunOutcome> = {}): RunOutcome {
  return {
    runId: "run_01",
    taskName: "backup",
    status: "failed",
    exitCode: 1,
    summary: "disk full",
    details: {},
    durationMs: 65_000,
    ...over,
  };
}

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

function discordCfg(over: Partial<NotifyConfig> = {}): NotifyConfig {
  return {
    discord: { webhook_url_env: "DISCORD_WEBHOOK_URL", username: "Docket" },
    ...over,
  };
}
const discordEnv = (base: string) =>
  envOf({ DISCORD_WEBHOOK_URL: `${base}/api/webhooks/987654/${WEBHOOK_TOKEN}` });

function telegramCfg(base: string, over: Partial<NotifyConfig> = {}): NotifyConfig {
  return {
    telegram: { chat: "8223639759", bot_token_env: "TELEGRAM_BOT_TOKEN", api_base: base },
    ...over,
  };
}
const telegramEnv = envOf({ TELEGRAM_BOT_TOKEN: BOT_TOKEN });

function assertNoSecrets(value: unknown): void {
  const text = JSON.stringify(value);
  assert(!text.includes(WEBHOOK_TOKEN), `webhook token leaked: ${text}`);
  assert(!text.includes(BOT_TOKEN), `bot token leaked: ${text}`);
  assert(!text.includes("bot_Secret"), `bot token leaked: ${text}`);
}

Deno.test("Discord: posts the webhook JSON with wait=true and no mentions", async () => {
  const svc = fakeService(discordOk);
  try {
    const results = await sendNotifications(
      discordCfg(),
      outcome({ summary: "@everyone disk full" }),
      discordEnv(svc.base),
    );
    assertEquals(svc.requests.length, 1);
    const [req] = svc.requests;
    assert(req);
    assertEquals(req.method, "POST");
    assertEquals(req.path, `/api/webhooks/987654/${WEBHOOK_TOKEN}?wait=true`);
    assertEquals(req.contentType, "application/json");
    assertEquals(req.body, {
      content: "backup failed: @everyone disk full (run_01)",
      username: "Docket",
      allowed_mentions: { parse: [] },
    });
    assertEquals(results.length, 1);
    assertEquals(results[0]?.name, "notify:discord");
    assertEquals(results[0]?.ok, true);
    assertEquals(results[0]?.http_status, 200);
    assertNoSecrets(results);
  } finally {
    await svc.close();
  }
});

Deno.test("Telegram: posts sendMessage as plain text to /bot<token>/", async () => {
  const svc = fakeService(telegramOk);
  try {
    const results = await sendNotifications(
      telegramCfg(svc.base + "/", { message: "{task} <b>{status}</b> in {duration}" }),
      outcome(),
      telegramEnv,
    );
    assertEquals(svc.requests.length, 1);
    const [req] = svc.requests;
    assertEquals(req?.method, "POST");
    assertEquals(req?.path, `/bot${BOT_TOKEN}/sendMessage`);
    assertEquals(req?.contentType, "application/json");
    assertEquals(req?.body, { chat_id: "8223639759", text: "backup <b>failed</b> in 1m 05s" });
    assertEquals(results.map((r) => [r.name, r.ok, r.http_status]), [[
      "notify:telegram",
      true,
      200,
    ]]);
  } finally {
    await svc.close();
  }
});

Deno.test("both channels are sent and reported in config order", async () => {
  const discord = fakeService(discordOk);
  const telegram = fakeService(telegramOk);
  try {
    const results = await sendNotifications(
      { ...discordCfg(), ...telegramCfg(telegram.base) },
      outcome(),
      (n) => discordEnv(discord.base)(n) ?? telegramEnv(n),
    );
    assertEquals(results.map((r) => [r.name, r.ok]), [["notify:discord", true], [
      "notify:telegram",
      true,
    ]]);
  } finally {
    await discord.close();
    await telegram.close();
  }
});

Deno.test("Discord: a 429 waits retry_after from the body, then succeeds", async () => {
  const svc = fakeService((_req, n) =>
    n === 1
      ? json(429, { message: "You are being rate limited.", retry_after: 0.3, global: false })
      : discordOk()
  );
  try {
    const [r] = await sendNotifications(discordCfg(), outcome(), discordEnv(svc.base));
    assertEquals(svc.requests.length, 2);
    const gap = svc.requests[1]!.at - svc.requests[0]!.at;
    assert(gap >= 280, `retried after ${gap} ms, expected ≥ 300`);
    assertEquals(r?.ok, true);
    assertEquals(r?.http_status, 200);
  } finally {
    await svc.close();
  }
});

Deno.test("Discord: a 429 without a body falls back to the Retry-After header", async () => {
  const svc = fakeService((_req, n) =>
    n === 1
      ? new Response("slow down", { status: 429, headers: { "retry-after": "0.25" } })
      : discordOk()
  );
  try {
    const [r] = await sendNotifications(discordCfg(), outcome(), discordEnv(svc.base));
    assertEquals(svc.requests.length, 2);
    assert(svc.requests[1]!.at - svc.requests[0]!.at >= 230);
    assertEquals(r?.ok, true);
  } finally {
    await svc.close();
  }
});

Deno.test("Telegram: a 429 waits parameters.retry_after, and gives up after two retries", async () => {
  const svc = fakeService(() =>
    json(429, {
      ok: false,
      error_code: 429,
      description: "Too Many Requests: retry after 0.2",
      parameters: { retry_after: 0.2 },
    })
  );
  try {
    const [r] = await sendNotifications(telegramCfg(svc.base), outcome(), telegramEnv);
    assertEquals(svc.requests.length, 3, "one try and two retries");
    assert(svc.requests[1]!.at - svc.requests[0]!.at >= 180);
    assert(svc.requests[2]!.at - svc.requests[1]!.at >= 180);
    assertEquals(r?.ok, false);
    assertEquals(r?.http_status, 429);
    assertEquals(
      r?.error,
      "Telegram rejected the notification (HTTP 429): Too Many Requests: retry after 0.2",
    );
  } finally {
    await svc.close();
  }
});

Deno.test("a 429 asking for more than 5 s fails at once instead of stalling the run", async () => {
  const svc = fakeService(() =>
    json(429, {
      ok: false,
      description: "Too Many Requests: retry after 35",
      parameters: { retry_after: 35 },
    })
  );
  try {
    const started = performance.now();
    const [r] = await sendNotifications(telegramCfg(svc.base), outcome(), telegramEnv);
    assert(performance.now() - started < 1000);
    assertEquals(svc.requests.length, 1);
    assertEquals(r?.ok, false);
    assertEquals(r?.http_status, 429);
    assert(r?.error?.includes("rate limited for 35 s"), r?.error);
  } finally {
    await svc.close();
  }
});

Deno.test("a 500 is retried once, then reported with the service's description", async () => {
  const svc = fakeService(() => json(500, { message: "Internal Server Error", code: 0 }));
  try {
    const [r] = await sendNotifications(discordCfg(), outcome(), discordEnv(svc.base));
    assertEquals(svc.requests.length, 2);
    assertEquals(r?.ok, false);
    assertEquals(r?.http_status, 500);
    assertEquals(
      r?.error,
      "Discord rejected the notification (HTTP 500): Internal Server Error (code 0)",
    );
  } finally {
    await svc.close();
  }
});

Deno.test("a 4xx is not retried and surfaces the service's error, token masked", async () => {
  const svc = fakeService(() =>
    json(400, {
      ok: false,
      error_code: 400,
      description: `Bad Request: chat not found for bot${BOT_TOKEN}`,
    })
  );
  try {
    const [r] = await sendNotifications(telegramCfg(svc.base), outcome(), telegramEnv);
    assertEquals(svc.requests.length, 1);
    assertEquals(r?.ok, false);
    assertEquals(r?.http_status, 400);
    assertEquals(
      r?.error,
      "Telegram rejected the notification (HTTP 400): Bad Request: chat not found for bot123456:***",
    );
    assertNoSecrets(r);
  } finally {
    await svc.close();
  }
});

Deno.test("Discord: a 400 names the offending field; a 404 says the webhook is gone", async () => {
  const svc = fakeService((_req, n) =>
    n === 1
      ? json(400, {
        message: "Invalid Form Body",
        code: 50035,
        errors: {
          username: {
            _errors: [{ code: "USERNAME_INVALID", message: 'Username cannot contain "discord"' }],
          },
        },
      })
      : json(404, { message: "Unknown Webhook", code: 10015 })
  );
  try {
    const env = discordEnv(svc.base);
    const [bad] = await sendNotifications(discordCfg(), outcome(), env);
    assertEquals(
      bad?.error,
      `Discord rejected the notification (HTTP 400): Invalid Form Body (code 50035): username: Username cannot contain "discord"`,
    );
    const [gone] = await sendNotifications(discordCfg(), outcome(), env);
    assertEquals(gone?.http_status, 404);
    assert(
      gone?.error?.includes("Unknown Webhook (code 10015); the webhook was deleted"),
      gone?.error,
    );
    assertEquals(svc.requests.length, 2, "neither is retried");
  } finally {
    await svc.close();
  }
});

Deno.test("a service that never answers times out within the configured bound", async () => {
  const svc = fakeService(async () => {
    await svc.closing; // answers only once the test is over
    return discordOk();
  });
  try {
    const started = performance.now();
    const [r] = await sendNotifications(
      discordCfg({ timeout_seconds: 0.3 }),
      outcome(),
      discordEnv(svc.base),
    );
    const elapsed = performance.now() - started;
    assert(elapsed >= 280 && elapsed < 2000, `took ${elapsed} ms`);
    assertEquals(r?.ok, false);
    assertEquals(r?.http_status, null);
    assertEquals(r?.error, "Cannot send Discord notification: no response within 0.3 s");
    assertEquals(svc.requests.length, 1, "a timeout is not retried");
  } finally {
    await svc.close();
  }
});

Deno.test("an unreachable service is retried once and reported without the token", async () => {
  // Take a free port, then close it so the connection is refused.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const started = performance.now();
  const [r] = await sendNotifications(
    telegramCfg(`http://127.0.0.1:${port}`),
    outcome(),
    telegramEnv,
  );
  assertEquals(r?.ok, false);
  assertEquals(r?.http_status, null);
  assert(performance.now() - started >= 450, "one retry after a backoff");
  assert(r?.error?.startsWith("Cannot send Telegram notification: "), r?.error);
  assert(r?.error?.includes(`127.0.0.1:${port}/bot123456:***/sendMessage`), r?.error);
  assertNoSecrets(r);
});

Deno.test("a missing token variable is reported by name and nothing is sent", async () => {
  const svc = fakeService(telegramOk);
  try {
    const results = await sendNotifications(
      { ...discordCfg(), ...telegramCfg(svc.base) },
      outcome(),
      envOf({}),
    );
    assertEquals(svc.requests.length, 0);
    assertEquals(results.map((r) => [r.name, r.ok, r.error]), [
      [
        "notify:discord",
        false,
        `Cannot send Discord notification: environment variable "DISCORD_WEBHOOK_URL" is not set`,
      ],
      [
        "notify:telegram",
        false,
        `Cannot send Telegram notification: environment variable "TELEGRAM_BOT_TOKEN" is not set`,
      ],
    ]);
  } finally {
    await svc.close();
  }
});

Deno.test("a webhook variable that is not a URL is reported without echoing it", async () => {
  const [r] = await sendNotifications(
    { discord: { webhook_url_env: "HOOK" } },
    outcome(),
    envOf({ HOOK: "not a url with-secret-inside" }),
  );
  assertEquals(r?.ok, false);
  assertEquals(r?.error, `Cannot send Discord notification: "HOOK" is not an http(s) URL`);
});

Deno.test("notify.on defaults to failures; dry runs never notify", async () => {
  const svc = fakeService(discordOk);
  try {
    const env = discordEnv(svc.base);
    assertEquals(
      await sendNotifications(discordCfg(), outcome({ status: "succeeded" }), env),
      [],
    );
    assertEquals(
      await sendNotifications(
        discordCfg({ on: ["complete"] }),
        outcome({ status: "dry_run" }),
        env,
      ),
      [],
    );
    assertEquals(svc.requests.length, 0);
    const sent = await sendNotifications(
      discordCfg({ on: ["success"] }),
      outcome({ status: "succeeded" }),
      env,
    );
    assertEquals(sent.map((r) => r.ok), [true]);
    assertEquals(svc.requests.length, 1);
  } finally {
    await svc.close();
  }
});

Deno.test("shouldNotify matches success, failure and complete", () => {
  assertEquals(shouldNotify(undefined, "failed"), true);
  assertEquals(shouldNotify(undefined, "succeeded"), false);
  for (const s of ["failed", "cancelled", "timeout", "lost"]) {
    assertEquals(shouldNotify(["failure"], s), true);
  }
  assertEquals(shouldNotify(["failure"], "succeeded"), false);
  assertEquals(shouldNotify(["success"], "succeeded"), true);
  assertEquals(shouldNotify(["success"], "timeout"), false);
  assertEquals(shouldNotify(["complete"], "succeeded"), true);
  assertEquals(shouldNotify(["complete"], "lost"), true);
  assertEquals(shouldNotify(["complete"], "dry_run"), false);
  assertEquals(shouldNotify([], "failed"), false);
});

Deno.test("long messages are cut at the service limits without breaking emoji", async () => {
  const discord = fakeService(discordOk);
  const telegram = fakeService(telegramOk);
  try {
    const summary = "😀".repeat(5000);
    const results = await sendNotifications(
      { ...discordCfg(), ...telegramCfg(telegram.base), message: "{summary}" },
      outcome({ summary }),
      (n) => discordEnv(discord.base)(n) ?? telegramEnv(n),
    );
    assertEquals(results.map((r) => r.ok), [true, true]);
    const content = String(discord.requests[0]?.body.content);
    const text = String(telegram.requests[0]?.body.text);
    assertEquals(content, "😀".repeat(999) + "…");
    assertEquals(text, "😀".repeat(2047) + "…");
    assert(content.length <= 2000 && text.length <= 4096);
    assert(content.isWellFormed() && text.isWellFormed());
  } finally {
    await discord.close();
    await telegram.close();
  }
});

Deno.test("truncateText keeps graphemes whole and leaves short text alone", () => {
  assertEquals(truncateText("hello", 5), "hello");
  assertEquals(truncateText("hello!", 5), "hell…");
  // Odd budget: a surrogate pair would straddle the cut.
  assertEquals(truncateText("a😀😀😀", 5), "a😀…");
  // A ZWJ family (8 code units) and a flag (4) stay whole or go whole.
  const family = "👨‍👩‍👧";
  assertEquals(truncateText(`x${family}${family}`, 9), `x…`);
  assertEquals(truncateText(`x${family}${family}`, 10), `x${family}…`);
  assertEquals(truncateText(`x${family}${family}`, 12), `x${family}…`);
  assertEquals(truncateText("🇫🇷🇩🇪🇮🇹", 9), "🇫🇷🇩🇪…");
  // A single grapheme longer than the limit falls back to whole code points.
  const zalgo = "e" + "\u0301".repeat(50);
  const cut = truncateText(zalgo, 10);
  assertEquals(cut.length, 10);
  assert(cut.endsWith("…"));
});

Deno.test("renderMessage fills placeholders once and defaults the template", () => {
  const o = outcome({ summary: "literal {task} and {run_id}", exitCode: 3, durationMs: 850 });
  assertEquals(renderMessage(undefined, o), "backup failed: literal {task} and {run_id} (run_01)");
  assertEquals(
    renderMessage("{task}|{status}|{exit_code}|{duration}|{unknown}", o),
    "backup|failed|3|850ms|{unknown}",
  );
  assertEquals(renderMessage("", o), renderMessage(undefined, o));
});

Deno.test("formatDuration is short and human", () => {
  assertEquals(formatDuration(850), "850ms");
  assertEquals(formatDuration(12_340), "12.3s");
  assertEquals(formatDuration(245_000), "4m 05s");
  assertEquals(formatDuration(7_380_000), "2h 03m");
});
