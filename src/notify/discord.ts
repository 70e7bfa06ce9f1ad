/**
 * Discord Execute Webhook: `POST <webhook_url>?wait=true` with `{content, username?,
 * allowed_mentions: {parse: []}}`. `wait=true` makes Discord confirm the message was saved
 * (without it a dropped message still answers 204); empty `parse` means task output can never
 * ping `@everyone`, `@here`, users or roles.
 */

import type { Channel, ChannelSetupError, NotifyConfig } from "./notify.ts";

export const DISCORD_CONTENT_LIMIT = 2000;

type DiscordConfig = NonNullable<NotifyConfig["discord"]>;

/** The Discord channel for `cfg`, or why it cannot be used; sends nothing itself. */
export function discordChannel(
  cfg: DiscordConfig,
  env: (name: string) => string | undefined,
): Channel | ChannelSetupError {
  const name = "notify:discord";
  const fromEnv = cfg.webhook_url_env ? env(cfg.webhook_url_env)?.trim() : undefined;
  const raw = fromEnv || cfg.webhook_url?.trim();
  if (!raw) {
    const error = cfg.webhook_url_env
      ? `Cannot send Discord notification: environment variable "${cfg.webhook_url_env}" is not set`
      : `Cannot send Discord notification: no webhook URL configured; set "notify.discord.webhook_url_env"`;
    return { name, error };
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    url = new URL("invalid:");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    // The value is a secret: say where it came from, never what it is.
    const source = fromEnv ? `"${cfg.webhook_url_env}"` : `"notify.discord.webhook_url"`;
    return { name, error: `Cannot send Discord notification: ${source} is not an http(s) URL` };
  }
  url.searchParams.set("wait", "true");
  // Mask just the token, so errors still show which host failed; a URL of another shape
  // (a relay, say) is masked whole.
  const token = tokenPart(url);
  const secrets = token.length ? token : [raw, url.href];
  return {
    name,
    limit: DISCORD_CONTENT_LIMIT,
    secrets,
    request: (content) => ({
      url: url.href,
      body: {
        content,
        ...(cfg.username ? { username: cfg.username } : {}),
        allowed_mentions: { parse: [] },
      },
    }),
    retryAfter: discordRetryAfter,
    describe: describeDiscordError,
  };
}

/** `retry_after` (float seconds) from a 429 body, else the `Retry-After` header. */
export function discordRetryAfter(res: Response, body: unknown): number | undefined {
  const fromBody = isRecord(body) ? body.retry_after : undefined;
  if (typeof fromBody === "number" && Number.isFinite(fromBody)) return fromBody;
  const header = Number.parseFloat(res.headers.get("retry-after") ?? "");
  return Number.isFinite(header) ? header : undefined;
}

/**
 * Discord's `message` and `code`, plus the first field error of an "Invalid Form Body", e.g.
 * `Invalid Form Body (code 50035): content: Must be 2000 or fewer in length.`
 */
export function describeDiscordError(status: number, body: unknown): string {
  let text = typeof body === "string" && body.trim() ? body.trim() : "no description";
  if (isRecord(body)) {
    text = typeof body.message === "string" ? body.message : "no description";
    if (typeof body.code === "number") text += ` (code ${body.code})`;
    const field = firstFieldError(body.errors, []);
    if (field) text += `: ${field}`;
  }
  if (status === 404) text += "; the webhook was deleted or the URL is wrong";
  if (status === 401 || status === 403) text += "; check the webhook URL";
  return text;
}

function firstFieldError(errors: unknown, path: string[]): string | undefined {
  if (!isRecord(errors)) return undefined;
  const list = errors._errors;
  if (Array.isArray(list) && isRecord(list[0]) && typeof list[0].message === "string") {
    return path.length ? `${path.join(".")}: ${list[0].message}` : list[0].message;
  }
  for (const [key, value] of Object.entries(errors)) {
    const found = firstFieldError(value, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** The `<token>` of `/api/webhooks/<id>/<token>`, raw and decoded. */
function tokenPart(url: URL): string[] {
  const match = url.pathname.match(/\/webhooks\/[^/]+\/([^/]+)/);
  return match?.[1] ? [match[1], decodeURIComponent(match[1])] : [];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
