/** What `docket explain` reports: per declaration, who enforces it on a target and what not. */

export const EXPLAIN_TARGETS = ["local", "systemd", "kubernetes"] as const;
export type ExplainTarget = typeof EXPLAIN_TARGETS[number];

export interface ExplainRow {
  /** network, reads, writes, env, exec, sys, memory, timeout, processes, imports, state… */
  declaration: string;
  /** The task's effective declaration (after the operator's config). */
  declared: unknown;
  /**
   * The layers that enforce it. For `local`, the network/env/write/read rows carry the exact
   * `permissions.enforced_by` values `capabilities` reports; others add their own layers.
   */
  enforced_by: string[];
  /** The concrete mechanism of each layer: a Deno flag, a unit directive, an object. */
  mechanisms: string[];
  /** What does not hold on this target. */
  not_enforced: string[];
}

export interface ExplainData {
  ok: true;
  task: string;
  target: ExplainTarget;
  source: string;
  rows: ExplainRow[];
  notes: string[];
}

/** A capabilities `enforced_by` value (a string today; a list if layers stack) as a list. */
export function layers(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String);
  return v === undefined || v === null ? [] : [String(v)];
}
