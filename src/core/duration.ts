/**
 * The longest duration docket accepts anywhere (timeouts, grace periods, backoff, intervals):
 * what `setTimeout` can represent. Node and Deno clamp a delay ≥ 2³¹ ms to 1 ms (measured:
 * `hook_timeout_seconds: 3000000` killed the hook after 11 ms), so every duration is checked
 * against this bound where it enters (config, `--set`, CLI options), and sleeps wait in chunks.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** 2147483 s, about 24.8 days. */
export const MAX_DURATION_SECONDS = Math.floor(MAX_TIMER_MS / 1000);

export const DURATION_BOUND_TEXT =
  `must be at most ${MAX_DURATION_SECONDS} seconds (about 24 days)`;

/** A `setTimeout` that waits `ms` even past 2³¹ ms, in chunks; the returned function clears it. */
export function longTimeout(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout>;
  const end = Date.now() + Math.max(0, ms);
  const arm = () => {
    const left = end - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return () => clearTimeout(timer);
}
