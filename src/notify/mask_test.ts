import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  maskAll,
  maskDeep,
  maskDiscordWebhook,
  maskSecrets,
  maskTelegramToken,
  maskTokenShapes,
  StreamMasker,
} from "./mask.ts";

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

const enc = new TextEncoder();
const dec = new TextDecoder();

function streamed(text: string, secrets: string[], cuts: number[]): string {
  const m = new StreamMasker(secrets);
  const bytes = enc.encode(text);
  const parts: Uint8Array[] = [];
  let at = 0;
  for (const cut of [...cuts, bytes.length]) {
    parts.push(m.push(bytes.slice(at, cut)));
    at = cut;
  }
  parts.push(m.flush());
  return parts.map((p) => dec.decode(p)).join("");
}

Deno.test("StreamMasker masks a secret split across chunks at every position", () => {
  const text = "token=s3cr3t-välue; again s3cr3t-välue!";
  const secret = "s3cr3t-välue";
  const want = "token=***; again ***!";
  for (let cut = 0; cut <= enc.encode(text).length; cut++) {
    assertEquals(streamed(text, [secret], [cut]), want, `cut at ${cut}`);
  }
  // One byte at a time.
  const every = [...enc.encode(text).keys()].slice(1);
  assertEquals(streamed(text, [secret], every), want);
});

Deno.test("StreamMasker holds back only a possible secret start, and flushes it", () => {
  const m = new StreamMasker(["hunter2"]);
  assertEquals(dec.decode(m.push(enc.encode("line one\n"))), "line one\n", "nothing held");
  assertEquals(dec.decode(m.push(enc.encode("pw: hun"))), "pw: ", "a prefix waits");
  assertEquals(dec.decode(m.push(enc.encode("gry\n"))), "hungry\n", "not the secret after all");
  assertEquals(dec.decode(m.push(enc.encode("end hunt"))), "end ");
  assertEquals(dec.decode(m.flush()), "hunt", "the stream ended: held bytes come out");
});

Deno.test("StreamMasker prefers a longer secret that a later chunk completes", () => {
  const secrets = ["abcd", "abcdefgh", "cdef"];
  for (let cut = 0; cut <= 12; cut++) {
    assertEquals(streamed("xxabcdefghyy", secrets, [cut]), "xx***yy", `cut at ${cut}`);
  }
  assertEquals(streamed("abcdef", secrets, [5]), "***ef", "the stream ends: shorter one");
  assertEquals(streamed("zzcdef", secrets, [3]), "zz***");
  const idle = new StreamMasker(["ab"]);
  assertEquals(idle.active, false, "values under 4 characters are not secrets");
});

Deno.test("maskDeep masks strings and keys anywhere in a value", () => {
  assertEquals(
    maskDeep({ a: "x hunter2", n: 1, list: ["hunter2", null], hunter2: true }, ["hunter2"]),
    { a: "x ***", n: 1, list: ["***", null], "***": true },
  );
  const same = { a: "hunter2" };
  assertEquals(maskDeep(same, []) === same, true, "no secrets: untouched");
});

Deno.test("maskTokenShapes also redacts URL passwords", () => {
  assertEquals(
    maskTokenShapes("curl https://me:pa55@example.test/x and http://host/ok"),
    "curl https://me:***@example.test/x and http://host/ok",
  );
  assertEquals(maskTokenShapes("mailto:me@example.test"), "mailto:me@example.test");
});
