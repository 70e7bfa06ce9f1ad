// One scheduled task → its Kubernetes objects: ConfigMap, CronJob, NetworkPolicy (and a
// CiliumNetworkPolicy with --cilium), plus what could not be expressed. Reads the module file;
// writes nothing.
import type { DocketConfig } from "../config/types.ts";
import { DocketError } from "../core/errors.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { configMapFor, inlineSecrets } from "./config_map.ts";
import { CONTAINER, DENIED_EXIT_CODE } from "./layout.ts";
import { objectName, podLabels, taskNameProblem } from "./names.ts";
import { ciliumPolicy, egressPlan } from "./network.ts";
import { podTemplate, writeMounts } from "./pod.ts";
import { declarationWarnings } from "./warnings.ts";
import { bakeJitter, concurrencyFor, cronProblem, startingDeadline } from "./schedule.ts";

export interface CompileOptions {
  image: string;
  namespace: string;
  /** Secret names by task (--secret task=name); default `docket-<task>`. */
  secrets: Record<string, string>;
  cilium: boolean;
}

export interface TaskManifests {
  task: string;
  objects: Record<string, unknown>[];
  /** The Secret the pod's env reads: the operator creates it, docket never writes values. */
  secret: { name: string; keys: string[] };
  schedule: string;
  /** Declared hosts no emitted object allows: egress to them is denied. */
  unexpressed_hosts: string[];
  warnings: string[];
}

/** Kubernetes' pod backoff after a failure: 10 s, doubled each time, at most 6 minutes. */
function k8sBackoff(attempt: number): number {
  return Math.min(360, 10 * 2 ** attempt);
}

/** The kill grace and record time docket needs after its own timeout fires. */
const DEADLINE_MARGIN_SECONDS = 60;

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

export function compileTask(t: TaskInfo, cfg: DocketConfig, o: CompileOptions): TaskManifests {
  const bad = (why: string, hint: string) =>
    new DocketError(
      "config_invalid",
      `Cannot compile task "${t.name}" for Kubernetes: ${why}`,
      { hint, details: { task: t.name } },
    );
  const nameProblem = taskNameProblem(t.name);
  if (nameProblem) throw bad(nameProblem, "Rename the task (config key or drop-in file)");
  const secrets = inlineSecrets(cfg.tasks[t.name] ?? {});
  if (secrets.length) {
    throw bad(
      `its config holds secret values in plain text (${secrets.join(", ")}), which a ConfigMap ` +
        "would publish",
      "Use the *_env form (e.g. webhook_url_env) and put the value in the task's Secret",
    );
  }
  const c = t.config;
  const g = t.grants;
  const warnings: string[] = [];
  const timeZone = typeof c.timezone === "string" ? c.timezone : undefined;
  if (timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone });
    } catch {
      throw bad(
        `timezone "${timeZone}" is not an IANA time zone`,
        'Use a name like "Europe/Berlin"',
      );
    }
  } else {
    warnings.push(
      "no timezone: the schedule runs in the controller's time zone (usually UTC), while " +
        "systemd timers use the host's local time",
    );
  }
  const jitter = num(c.jitter_seconds) ?? num(c.randomized_delay_seconds) ?? 0;
  const sched = bakeJitter(t.name, String(c.schedule), jitter);
  const cron = cronProblem(sched.schedule);
  if (cron) throw bad(`schedule "${sched.schedule}": ${cron}`, "Use a 5-field cron expression");
  if (sched.jitterNote) warnings.push(sched.jitterNote);
  let overlap;
  try {
    overlap = concurrencyFor(c.overlap);
  } catch (err) {
    throw bad((err as Error).message, "Set overlap to skip, replace, allow or queue");
  }
  if (overlap.note) warnings.push(overlap.note);
  const deadline = num(c.starting_deadline_seconds) ??
    startingDeadline(sched.schedule, timeZone);

  let egress;
  try {
    egress = egressPlan(t.name, g.network, { cilium: o.cilium });
  } catch (err) {
    throw bad(`network: ${(err as Error).message}`, "Declare entries as host or host:port");
  }
  const destructive = g.destructive === true;
  const mounts = writeMounts(destructive ? g.writes ?? [] : []);
  if (mounts.problems.length) throw bad(mounts.problems.join("; "), "Declare other writes paths");
  warnings.push(...declarationWarnings(t, egress, mounts.paths));

  const cm = configMapFor(t, cfg, o.namespace);
  if (cm.rewritten.length) {
    warnings.push(
      `imports of docket's task API (${cm.rewritten.join(", ")}) point to the image's copy`,
    );
  }
  if (cm.unresolved.length) {
    warnings.push(
      `the module imports ${cm.unresolved.join(", ")}, which the pod does not have: ` +
        "only docket's task API and cached remote modules resolve there",
    );
  }
  const secretName = o.secrets[t.name] ?? objectName(t.name);
  const notify = (c.notify ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const secretEnv = [
    ...new Set([
      ...(g.required_env ?? []),
      ...[notify.discord?.webhook_url_env, notify.telegram?.bot_token_env]
        .filter((v): v is string => typeof v === "string"),
    ]),
  ];
  const badEnv = secretEnv.filter((n) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(n));
  if (badEnv.length) {
    throw bad(
      `${badEnv.map((n) => JSON.stringify(n.slice(0, 60))).join(", ")} is not a variable name`,
      "required_env and *_env entries must be names like API_TOKEN",
    );
  }
  const pod = podTemplate({
    task: t.name,
    image: o.image,
    secretEnv,
    secretName,
    ...(cm.module ? { module: cm.module } : {}),
    writes: mounts.paths,
    ...(num(g.max_memory_mb) === undefined ? {} : { maxMemoryMb: num(g.max_memory_mb)! }),
  });

  const retry = num(c.retry) ?? 0;
  const timeout = num(c.timeout_seconds);
  const grace = num(c.kill_grace_seconds) ?? 5;
  let jobDeadline: number | undefined;
  if (timeout !== undefined) {
    const perPod = Math.ceil(timeout + grace) + DEADLINE_MARGIN_SECONDS;
    jobDeadline = perPod * (retry + 1);
    for (let i = 0; i < retry; i++) jobDeadline += k8sBackoff(i);
  }
  const labels = podLabels(t.name);
  const meta = { name: objectName(t.name), namespace: o.namespace, labels };
  const cronJob = {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: meta,
    spec: {
      schedule: sched.schedule,
      ...(timeZone === undefined ? {} : { timeZone }),
      concurrencyPolicy: overlap.policy,
      startingDeadlineSeconds: deadline,
      suspend: false,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: retry,
          ...(jobDeadline === undefined ? {} : { activeDeadlineSeconds: jobDeadline }),
          podFailurePolicy: {
            rules: [
              // A permission denial fails the same way every time: never retry it.
              {
                action: "FailJob",
                onExitCodes: {
                  containerName: CONTAINER,
                  operator: "In",
                  values: [DENIED_EXIT_CODE],
                },
              },
              // A drained or preempted node is not the task's failure.
              { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
            ],
          },
          template: pod,
        },
      },
    },
  };
  const networkPolicy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: meta,
    spec: egress.policy,
  };
  const size = Object.values((cm.object.data ?? {}) as Record<string, string>)
    .reduce((n, v) => n + new TextEncoder().encode(v).length, 0);
  if (size > 1024 * 1024) {
    throw bad(`its ConfigMap would hold ${size} bytes, over 1 MiB`, "Make the module smaller");
  }
  const objects: Record<string, unknown>[] = [cm.object, cronJob, networkPolicy];
  if (egress.cilium) objects.push(ciliumPolicy(t.name, o.namespace, egress.cilium));
  return {
    task: t.name,
    objects,
    secret: { name: secretName, keys: secretEnv },
    schedule: sched.schedule,
    unexpressed_hosts: egress.cilium ? [] : egress.unexpressed,
    warnings,
  };
}
