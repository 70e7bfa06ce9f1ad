/** The closed set of error kinds docket reports. Each maps to an exit code and a JSON envelope. */
export const ERROR_KINDS = [
  "usage",
  "config_invalid",
  "schema_invalid",
  "task_not_found",
  "task_load_failed",
  "env_missing",
  "run_not_found",
  "permission_denied",
  "lock_held",
  "timeout",
  "wait_timeout",
  "cancelled",
  "task_failed",
  "lost",
  "state_error",
  "io_error",
  "not_supported",
  "task_changed",
  "grant_refused",
  "sandbox_unavailable",
  "internal",
] as const;
export type ErrorKind = typeof ERROR_KINDS[number];

export interface ErrorInit {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

/** The one error type of docket: what failed, why, and what to do (hint). */
export class DocketError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  constructor(kind: ErrorKind, message: string, init: ErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = "DocketError";
    this.kind = kind;
    this.hint = init.hint;
    this.details = init.details;
  }
}

/** JSON form of an error, as it appears under `error` in every `--json` document. */
export interface ErrorJson {
  kind: ErrorKind;
  message: string;
  hint?: string;
  details?: Record<string, unknown>;
}

export function errorToJson(err: DocketError): ErrorJson {
  const out: ErrorJson = { kind: err.kind, message: err.message };
  if (err.hint) out.hint = err.hint;
  if (err.details) out.details = err.details;
  return out;
}

/** Every failure exits 1 (the README's contract); the kind says which failure. */
export function exitCodeFor(kind: ErrorKind): number {
  switch (kind) {
    case "usage":
    case "config_invalid":
    case "schema_invalid":
    case "task_not_found":
    case "task_load_failed":
    case "env_missing":
    case "run_not_found":
    case "permission_denied":
    case "lock_held":
    case "timeout":
    case "wait_timeout":
    case "cancelled":
    case "task_failed":
    case "lost":
    case "state_error":
    case "io_error":
    case "not_supported":
    case "task_changed":
    case "grant_refused":
    case "sandbox_unavailable":
    case "internal":
      return 1;
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Turns anything thrown into a DocketError (unknown errors become `internal`). */
export function toDocketError(err: unknown): DocketError {
  if (err instanceof DocketError) return err;
  if (err instanceof Deno.errors.NotCapable) {
    return new DocketError("internal", `docket itself lacks a permission: ${err.message}`, {
      hint: "Run docket with -A (deno run -A main.ts)",
      cause: err,
    });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DocketError("internal", message, { cause: err });
}

/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

export function suggest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}
