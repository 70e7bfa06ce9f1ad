/**
 * Redaction for anything a hook or notification reports back: output tails, error messages
 * and echoed URLs. Results land in `--json` output and the run store, so they must never
 * carry a token.
 */

const MASK = "***";

/** Shorter values would mask ordinary words ("true", "1") and reveal little if left alone. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of each secret value (length ≥ 4) with `***`. */
export function maskSecrets(text: string, secrets: string[]): string {
  // Longest first, so a secret that contains another is masked whole.
  const values = [...new Set(secrets)]
    .filter((s) => s.length >= MIN_SECRET_LENGTH)
    .sort((a, b) => b.length - a.length);
  let out = text;
  for (const value of values) out = out.replaceAll(value, MASK);
  return out;
}

/** Redacts Telegram bot tokens as they appear in Bot API URLs: `bot123456:AAE…` → `bot123456:***`. */
export function maskTelegramToken(text: string): string {
  return text.replace(/\bbot(\d+):[A-Za-z0-9_-]+/g, `bot$1:${MASK}`);
}

/** Redacts the token part of Discord webhook URLs: `/api/webhooks/<id>/<token>` → `/api/webhooks/<id>/***`. */
export function maskDiscordWebhook(text: string): string {
  return text.replace(/(\/api(?:\/v\d+)?\/webhooks\/\d+\/)[^\s/?#"'<>]+/g, `$1${MASK}`);
}

/**
 * All of the above. Token shapes go first so a masked URL keeps its non-secret parts
 * (`bot123:***`); the known values then catch any token quoted on its own.
 */
export function maskAll(text: string, secrets: string[] = []): string {
  return maskSecrets(maskDiscordWebhook(maskTelegramToken(text)), secrets);
}
