/**
 * Telegram Bot API sendMessage: `POST <api_base>/bot<token>/sendMessage` with
 * `{chat_id, text}`. Plain text (no `parse_mode`), so task output needs no escaping and can
 * never fail with "can't parse entities". The token sits in the URL path: it is masked out of
 * every result.
 */

import type { Channel, ChannelSetupError, NotifyConfig } from "./notify.ts";

export const TELEGRAM_TEXT_LIMIT = 4096;
export const DEFAULT_TELEGRAM_API_BASE = "https://api.telegram.org";

type TelegramConfig = NonNullable<NotifyConfig["telegram"]>;

/** The Telegram channel for `cfg`, or why it cannot be used; sends nothing itself. */
export function telegramChannel(
  cfg: TelegramConfig,
  env: (name: string) => string | undefined,
): Channel | ChannelSetupError {
  const name = "notify:telegram";
  const fromEnv = cfg.bot_token_env ? env(cfg.bot_token_env)?.trim() : undefined;
  const token = fromEnv || cfg.bot_token?.trim();
  if (!token) {
    const error = cfg.bot_token_env
      ? `Cannot send Telegram notification: environment variable "${cfg.bot_token_env}" is not set`
      : `Cannot send Telegram notification: no bot token configured; set "notify.telegram.bot_token_env"`;
    return { name, error };
  }
  const chat = String(cfg.chat ?? "").trim();
  if (!chat) {
    return { name, error: `Cannot send Telegram notification: "notify.telegram.chat" is empty` };
  }
  const apiBase = (cfg.api_base ?? DEFAULT_TELEGRAM_API_BASE).replace(/\/+$/, "");
  const url = `${apiBase}/bot${token}/sendMessage`;
  return {
    name,
    limit: TELEGRAM_TEXT_LIMIT,
    // The token only: errors keep the host, e.g. "https://api.telegram.org/bot123:***/…".
    secrets: [token, encodeURIComponent(token)],
    request: (text) => ({ url, body: { chat_id: chat, text } }),
    retryAfter: telegramRetryAfter,
    describe: describeTelegramError,
  };
}

/** `parameters.retry_after` from a 429 body. */
export function telegramRetryAfter(_res: Response, body: unknown): number | undefined {
  const params = isRecord(body) ? body.parameters : undefined;
  const value = isRecord(params) ? params.retry_after : undefined;
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

/** Telegram's `description`, with what to do when a group became a supergroup. */
export function describeTelegramError(_status: number, body: unknown): string {
  if (!isRecord(body)) {
    return typeof body === "string" && body.trim() ? body.trim() : "no description";
  }
  let text = typeof body.description === "string" ? body.description : "no description";
  const params = body.parameters;
  const migrated = isRecord(params) ? params.migrate_to_chat_id : undefined;
  if (typeof migrated === "number" || typeof migrated === "string") {
    text += `; the group is now a supergroup: set "notify.telegram.chat" to "${migrated}"`;
  }
  return text;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
