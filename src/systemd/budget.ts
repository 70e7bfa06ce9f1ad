// The longest a whole run may take, for the unit's TimeoutStartSec=.
import type { TaskSection } from "../config/types.ts";
import { DEFAULT_HOOK_TIMEOUT_SECONDS } from "../notify/hooks.ts";

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

const count = (v: unknown) => Array.isArray(v) ? v.length : v === undefined ? 0 : 1;

/** Notification delivery: the request timeout (default 10 s), 2 retries, ≤ 5 s waits. */
function notifySeconds(notify: unknown): number {
  if (notify === null || typeof notify !== "object") return 0;
  const timeout = num((notify as { timeout_seconds?: unknown }).timeout_seconds) ?? 10;
  return 3 * (timeout + 5);
}

/**
 * Every attempt's timeout and kill grace plus the backoff waits between attempts (as
 * src/runs/execute.ts does them), then the hooks of the longer outcome and the notifications.
 * Undefined without a timeout.
 */
export function runBudgetSeconds(section: TaskSection): number | undefined {
  const timeout = num(section.timeout_seconds);
  if (timeout === undefined) return undefined;
  const retry = num(section.retry) ?? 0;
  const base = num(section.backoff_base) ?? 2;
  const cap = num(section.backoff_max);
  const grace = num(section.kill_grace_seconds) ?? 5;
  let total = (timeout + grace) * (retry + 1);
  for (let attempt = 1; attempt <= retry; attempt++) {
    const wait = Math.pow(base, attempt);
    total += cap === undefined ? wait : Math.min(wait, cap);
  }
  const hooks = Math.max(count(section.on_success), count(section.on_failure)) +
    count(section.on_complete);
  const perHook = num(section.hook_timeout_seconds) ?? DEFAULT_HOOK_TIMEOUT_SECONDS;
  return total + hooks * perHook + notifySeconds(section.notify);
}
