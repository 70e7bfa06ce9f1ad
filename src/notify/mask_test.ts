import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { maskAll, maskDiscordWebhook, maskSecrets, maskTelegramToken } from "./mask.ts";

Deno.test("maskSecrets replaces every occurrence of each secret of 4+ characters", () => {
  assertEquals(maskSecrets("a=hunter2 b=hunter2", ["hunter2"]), "a=*** b=***");
  assertEquals(maskSecrets("id=abc true", ["abc", "", "true"]), "id=abc ***", "short values stay");
  // Longest first: a secret containing another is masked whole.
  assertEquals(maskSecrets("k=secret-long", ["secret", "secret-long"]), "k=***");
  assertEquals(maskSecrets("$x.*+?", ["$x.*+?"]), "***", "values are literal, not patterns");
});

Deno.test("maskTelegramToken redacts bot<digits>:<secret> and keeps the bot id", () => {
  assertEquals(
    maskTelegramToken("POST https://api.telegram.org/bot123456:AAE-x_Y9/sendMessage failed"),
    "POST https://api.telegram.org/bot123456:***/sendMessage failed",
  );
  assertEquals(maskTelegramToken("robot 12:ab"), "robot 12:ab");
});

Deno.test("maskDiscordWebhook redacts the webhook token and keeps the id", () => {
  assertEquals(
    maskDiscordWebhook("url (https://discord.com/api/v10/webhooks/42/Tok-EN_1?wait=true)"),
    "url (https://discord.com/api/v10/webhooks/42/***?wait=true)",
  );
  assertEquals(
    maskDiscordWebhook("https://discord.com/api/webhooks/42/abc/slack"),
    "https://discord.com/api/webhooks/42/***/slack",
  );
});

Deno.test("maskAll applies token shapes, then known values", () => {
  assertEquals(
    maskAll("bot1:AAA-secret and AAA-secret alone and pw=letmein", ["1:AAA-secret", "letmein"]),
    "bot1:*** and AAA-secret alone and pw=***",
  );
});
