/**
 * Decide once: a run is admitted with the grants the CLI (or the MCP gate) approved and the
 * content hashes of its module and config, recorded with the run. Whoever performs the run
 * (the foreground `run`, the detached runner, each retry) checks that what it would load is
 * still what was admitted and runs with the recorded grants; anything else is `task_changed`.
 * Otherwise a module or config edited between the check and the start, or a drop-in whose
 * metadata is not deterministic, would run with grants nobody approved.
 */
import { DocketError } from "../core/errors.ts";
import { fromFileUrl } from "../core/path.ts";
import { configPath } from "../core/paths.ts";
import type { Admission } from "../core/store.ts";
import type { TaskInfo } from "../registry/registry.ts";
import type { TaskGrants } from "../task_api.ts";

/**
 * sha-256 (hex) of a file's bytes; null when it does not exist. WebCrypto, not node:crypto:
 * the node polyfill costs ~17 ms of start-up on every run (measured, issue 21).
 */
export async function fileSha256(path: string): Promise<string | null> {
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return null;
    throw new DocketError("io_error", `Cannot read "${path}": ${(err as Error).message}`, {
      hint: "Check the file's permissions",
    });
  }
  const d = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The config file's hash. Callers take it *before* loading the config, so an edit that lands
 * after the hash is seen as a change by the runner, never approved unseen.
 */
export function configSha256(): Promise<string | null> {
  return fileSha256(configPath());
}

export function modulePathOf(task: Pick<TaskInfo, "module">): string | null {
  if (!task.module) return null;
  return task.module.startsWith("file:") ? fromFileUrl(task.module) : task.module;
}

/** The record of an admission: `task` as resolved and checked, `configHash` taken before. */
export async function admissionOf(
  task: TaskInfo,
  configHash: string | null,
): Promise<Admission> {
  const module = modulePathOf(task);
  return {
    grants: canonicalGrants(task.grants),
    module,
    module_sha256: module ? await fileSha256(module) : null,
    config_sha256: configHash,
  };
}

/** Grants with sorted keys and no undefined values: two equal decisions compare equal. */
export function canonicalGrants(g: TaskGrants): TaskGrants {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(g).sort()) {
    const v = (g as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = v;
  }
  return out as TaskGrants;
}

function changed(task: string, what: string, details: Record<string, unknown>): DocketError {
  return new DocketError(
    "task_changed",
    `Cannot perform run of task "${task}": ${what} changed since the run was admitted`,
    {
      hint: "Nothing ran. Start the run again so that its grants are checked against the " +
        "task as it is now (`docket describe` shows them)",
      details: { task, ...details },
    },
  );
}

/** The module file is still the one admitted (checked before each attempt). */
export async function assertModuleUnchanged(task: string, a: Admission): Promise<void> {
  if (!a.module) return;
  const now = await fileSha256(a.module);
  if (now !== a.module_sha256) {
    throw changed(task, `its module "${a.module}"`, {
      module: a.module,
      admitted_sha256: a.module_sha256,
      current_sha256: now,
    });
  }
}

/**
 * The runner's check: the config and module hash as admitted, and the task as loaded now
 * resolves to the admitted grants. Returns the task with the admitted grants.
 */
export async function assertAdmitted(
  a: Admission | null,
  task: TaskInfo,
  configHash: string | null,
): Promise<TaskInfo> {
  if (!a) throw changed(task.name, "its admission record is missing (an older docket)", {});
  if (configHash !== a.config_sha256) {
    throw changed(task.name, "the config file", {
      admitted_sha256: a.config_sha256,
      current_sha256: configHash,
    });
  }
  if (modulePathOf(task) !== a.module) {
    throw changed(task.name, "its module path", { admitted: a.module, current: task.module });
  }
  await assertModuleUnchanged(task.name, a);
  const now = canonicalGrants(task.grants);
  if (JSON.stringify(now) !== JSON.stringify(a.grants)) {
    throw changed(task.name, "its grants (the module's metadata is not deterministic?)", {
      admitted: a.grants,
      current: now,
    });
  }
  return { ...task, grants: a.grants };
}
