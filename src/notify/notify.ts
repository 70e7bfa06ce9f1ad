/**
 * Native notifications (Discord webhook, Telegram bot) sent after a run's result is recorded.
 *
 * Delivery is best effort and bounded: a per-request timeout, a capped number of retries for
 * rate limits and server errors, and results that report failure instead of throwing. A
 * notification can never change a run's outcome. Tokens and webhook URLs are masked out of
 * every result.
 */

import { discordChannel } from "./discord.ts";
import { classifyStatus, errorMessage, type HookResult, type RunOutcome } from "./hooks.ts";
import { maskAll } from "./mask.ts";
import { telegramChannel } from "./telegram.ts";

export interface NotifyConfig {
  /** Default `["failure"]`. */
  on?: ("success" | "failure" | "complete" | "missed" | "recovered")[];
  /** Template with {task} {status} {summary} {run_id} {exit_code} {duration}. */
  message?: string;
  discord?: { webhook_url?: string; webhook_url_env?: string; username?: string };
  telegram?: {
    chat: string;
    bot_token?: string;
    bot_token_env?: string;
    /** Default https://api.telegram.org */
    api_base?: string;
  };
  /** Per request; default 10. */
  timeout_seconds?: number;
}

export type ChannelName = "notify:discord" | "notify:telegram";

/** What a channel adapter (discord.ts, telegram.ts) tells the delivery loop. */
export interface Channel {
  name: ChannelName;
  /** Longest message the service accepts, in characters; longer text is cut. */
  limit: number;
  /** Values masked out of every result: tokens, URLs. */
  secrets: string[];
  /** The request for one message; `text` is already rendered and cut to `limit`. */
  request(text: string): { url: string; body: Record<string, unknown> };
  /** Seconds the service asked us to wait after a 429, when it said. */
  retryAfter(res: Response, body: unknown): number | undefined;
  /** The service's own description of a rejected request. */
  describe(status: number, body: unknown): string;
}

/** A channel that could not be set up (e.g. its token variable is unset): reported, not sent. */
export interface ChannelSetupError {
  name: ChannelName;
  error: string;
}

export const DEFAULT_TEMPLATE = "{task} {status}: {summary} ({run_id})";
export const DEFAULT_TIMEOUT_SECONDS = 10;
/** Longest 429 wait we honour; a longer one fails now rather than stall the run's exit. */
export const MAX_RETRY_AFTER_SECONDS = 5;
const MAX_RATE_LIMIT_RETRIES = 2;
const MAX_SERVER_ERROR_RETRIES = 1;
const SERVER_ERROR_BACKOFF_MS = 500;
/** Used when a 429 carries no usable retry_after. */
const DEFAULT_RETRY_AFTER_SECONDS = 1;

/** Sends the configured notifications if `cfg.on` matches the outcome. Never throws. */
export async function sendNotifications(
  cfg: NotifyConfig,
  outcome: RunOutcome,
  env: (name: string) => string | undefined,
  extra: { recovered?: boolean } = {},
): Promise<HookResult[]> {
  if (!shouldNotify(cfg.on, outcome.status, extra)) return [];
  const text = renderMessage(cfg.message, outcome);
  const timeoutMs = positiveOr(cfg.timeout_seconds, DEFAULT_TIMEOUT_SECONDS) * 1000;
  const channels: (Channel | ChannelSetupError)[] = [];
  if (cfg.discord) channels.push(discordChannel(cfg.discord, env));
  if (cfg.telegram) channels.push(telegramChannel(cfg.telegram, env));
  // Different services, independent limits: send concurrently, report in config order.
  return await Promise.all(
    channels.map((c) =>
      "error" in c
        ? Promise.resolve({
          name: c.name,
          ok: false,
          http_status: null,
          error: c.error,
          duration_ms: 0,
        })
        : deliver(c, text, timeoutMs)
    ),
  );
}

/** Whether `on` (default `["failure"]`) selects a run with `status`; never for dry runs. */
export function shouldNotify(
  on: NotifyConfig["on"],
  status: string,
  extra: { recovered?: boolean } = {},
): boolean {
  const wanted = on ?? ["failure"];
  // `missed`: the ledger's slots no start reached (src/schedule/missed_notify.ts).
  if (status === "missed") return wanted.includes("missed");
  const cls = classifyStatus(status);
  if (cls === null) return false;
  if (extra.recovered && wanted.includes("recovered")) return true;
  return wanted.includes("complete") || wanted.includes(cls);
}

/**
 * Fills `{task} {status} {summary} {run_id} {exit_code} {duration}` in one pass, so run data
 * that itself contains `{task}` stays literal. Unknown placeholders are left as written.
 */
export function renderMessage(template: string | undefined, outcome: RunOutcome): string {
  const values: Record<string, string> = {
    task: outcome.taskName,
    status: outcome.status,
    summary: outcome.summary,
    run_id: outcome.runId,
    exit_code: String(outcome.exitCode),
    duration: formatDuration(outcome.durationMs),
  };
  const text = (template ?? DEFAULT_TEMPLATE).replace(
    /\{(task|status|summary|run_id|exit_code|duration)\}/g,
    (_, key: string) => values[key] ?? "",
  );
  // Both services reject an empty message; an empty template still says what happened.
  return text.trim() === "" ? renderMessage(DEFAULT_TEMPLATE, outcome) : text;
}

/** `850ms`, `12.3s`, `4m 05s`, `2h 03m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor(s / 60) % 60)}m`;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * Cuts `text` to at most `limit` UTF-16 code units — at least as strict as a count of code
 * points, whichever a service uses — at a grapheme boundary, ending with "…" when cut. An
 * emoji, a flag or a ZWJ family is kept whole or dropped whole.
 */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const budget = limit - 1; // "…" is one code unit
  let cut = 0;
  // Only the first `limit` units can survive; a boundary found inside them is a real one,
  // since grapheme rules look at the characters on both sides of it.
  for (const { index, segment } of segmenter.segment(text.slice(0, limit))) {
    const end = index + segment.length;
    if (end > budget) break;
    cut = end;
  }
  if (cut === 0) {
    // One grapheme longer than the limit (e.g. stacked combining marks): cut by code points.
    for (const ch of text) {
      if (cut + ch.length > budget) break;
      cut += ch.length;
    }
  }
  return text.slice(0, cut) + "…";
}

/** POSTs one message with the retry policy above; reports, never throws. */
export async function deliver(
  channel: Channel,
  text: string,
  timeoutMs: number,
): Promise<HookResult> {
  const started = performance.now();
  const fail = (http_status: number | null, error: string): HookResult => ({
    name: channel.name,
    ok: false,
    http_status,
    error: maskAll(error, channel.secrets),
    duration_ms: Math.round(performance.now() - started),
  });
  const service = channel.name === "notify:discord" ? "Discord" : "Telegram";
  const { url, body } = channel.request(truncateText(text, channel.limit));
  let rateLimited = 0;
  let serverErrors = 0;
  for (;;) {
    let res: Response;
    let payload: unknown;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      payload = await readJson(res);
    } catch (e) {
      if (e instanceof DOMException && e.name === "TimeoutError") {
        return fail(
          null,
          `Cannot send ${service} notification: no response within ${timeoutMs / 1000} s`,
        );
      }
      // Refused or reset before an answer: worth one more try, like a 5xx.
      if (serverErrors < MAX_SERVER_ERROR_RETRIES) {
        serverErrors++;
        await delay(SERVER_ERROR_BACKOFF_MS);
        continue;
      }
      return fail(null, `Cannot send ${service} notification: ${withCause(e)}`);
    }
    if (res.ok) {
      return {
        name: channel.name,
        ok: true,
        http_status: res.status,
        duration_ms: Math.round(performance.now() - started),
      };
    }
    if (res.status === 429 && rateLimited < MAX_RATE_LIMIT_RETRIES) {
      const wait = channel.retryAfter(res, payload) ?? DEFAULT_RETRY_AFTER_SECONDS;
      if (wait > MAX_RETRY_AFTER_SECONDS) {
        return fail(
          429,
          `Cannot send ${service} notification: rate limited for ${wait} s, longer than the ${MAX_RETRY_AFTER_SECONDS} s docket waits`,
        );
      }
      rateLimited++;
      await delay(Math.max(0, wait) * 1000);
      continue;
    }
    if (res.status >= 500 && serverErrors < MAX_SERVER_ERROR_RETRIES) {
      serverErrors++;
      await delay(SERVER_ERROR_BACKOFF_MS);
      continue;
    }
    return fail(
      res.status,
      `${service} rejected the notification (HTTP ${res.status}): ${
        channel.describe(res.status, payload)
      }`,
    );
  }
}

/** fetch says only "fetch failed"; the reason (refused, DNS, TLS) is in `cause`. */
function withCause(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  return cause === undefined ? errorMessage(e) : `${errorMessage(e)}: ${errorMessage(cause)}`;
}

/** The parsed JSON body, or its text when it is not JSON (a proxy's HTML error page). */
async function readJson(res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 300);
  }
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
