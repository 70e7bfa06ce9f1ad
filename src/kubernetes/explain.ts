// `explain --target kubernetes`: the local layers (docket runs the task inside the pod) plus
// what the compiled manifests enforce, and what plain Kubernetes cannot hold.
import type { DocketConfig } from "../config/types.ts";
import type { TaskInfo } from "../registry/registry.ts";
import type { ExplainRow } from "../explain/types.ts";
import { DENIED_EXIT_CODE } from "./layout.ts";
import { compileTask } from "./manifests.ts";
import { DEFAULT_IMAGE } from "./install.ts";

type Obj = Record<string, any>;

/** Local gaps the pod closes: a command task's network becomes a NetworkPolicy; the
 * container's end stops escaped processes. */
function resolvedHere(declaration: string, gap: string): boolean {
  return (declaration === "network" && gap.includes("label only")) ||
    (declaration === "processes" && gap.includes("setsid"));
}

export function kubernetesRows(
  local: ExplainRow[],
  t: TaskInfo,
  cfg: DocketConfig,
  opts: { cilium: boolean },
): { rows: ExplainRow[]; notes: string[] } {
  const scheduled = typeof t.config.schedule === "string"
    ? t
    : { ...t, config: { ...t.config, schedule: "@daily" } };
  const m = compileTask(scheduled, cfg, {
    image: DEFAULT_IMAGE,
    namespace: "default",
    secrets: {},
    cilium: opts.cilium,
  });
  const byKind = (k: string) => m.objects.find((o) => o.kind === k) as Obj | undefined;
  const cron = byKind("CronJob")!;
  const np = byKind("NetworkPolicy")!;
  const job = cron.spec.jobTemplate.spec;
  const c = job.template.spec.containers[0];
  const add: Record<string, { mech: string[]; gaps: string[] }> = {};
  const put = (decl: string, mech: string[], gaps: string[] = []) => (add[decl] = { mech, gaps });

  const egress = np.spec.egress as Obj[];
  const allowAll = egress.length === 1 && Object.keys(egress[0]!).length === 0;
  const cidrs = egress.flatMap((r) => (r.to ?? []).filter((p: Obj) => p.ipBlock))
    .map((p: Obj) => p.ipBlock.cidr);
  put("network", [
    `NetworkPolicy/${np.metadata.name}: ${
      allowAll ? "all egress" : egress.length === 0 ? "no egress at all" : `egress to ${
        [
          ...cidrs,
          ...(m.unexpressed_hosts.length || byKind("CiliumNetworkPolicy") ? ["DNS"] : []),
        ]
          .join(", ")
      }`
    }; no ingress`,
    ...(byKind("CiliumNetworkPolicy") ? [`CiliumNetworkPolicy/${np.metadata.name}: toFQDNs`] : []),
  ], [
    ...m.unexpressed_hosts.map((h) =>
      `${h}: plain NetworkPolicy cannot name hosts, so egress to it is denied (use --cilium)`
    ),
    "NetworkPolicy holds only with a CNI that enforces it (Calico, Cilium…); others ignore it",
    ...(cidrs.length ? ["declared ports are opened for TCP only"] : []),
  ]);
  const mounts = (c.volumeMounts as Obj[]).filter((v) => v.name.startsWith("writes-"));
  put("writes", [
    "readOnlyRootFilesystem: true",
    `emptyDir volumes: /var/lib/docket (docket's home in it, 0700), /tmp${
      mounts.map((v) => `, ${v.mountPath}`).join("")
    }`,
  ], ["writes land in emptyDir volumes that end with the pod, unless you mount a volume there"]);
  put("reads", ["the pod sees only the image and its mounts"], [
    "the Deno flags above name this host's paths; in the pod they name /etc/docket and /opt/docket",
    "paths of the operator's host are not there unless a volume provides them",
  ]);
  const secretEnv = (c.env as Obj[]).filter((e) => e.valueFrom);
  put("env", [
    secretEnv.length
      ? `env from Secret/${m.secret.name} (secretKeyRef): ${
        secretEnv.map((e) => e.name).join(", ")
      }`
      : "no Secret: the container's env holds docket's own paths only",
  ], secretEnv.length ? [`the Secret ${m.secret.name} must exist before the first run`] : []);
  put("exec", ["only programs installed in the image exist"]);
  const mem = c.resources?.limits?.memory;
  put(
    "memory",
    mem ? [`resources.limits.memory: ${mem} (the task's heap plus docket's headroom)`] : [],
  );
  put(
    "timeout",
    job.activeDeadlineSeconds
      ? [`Job activeDeadlineSeconds: ${job.activeDeadlineSeconds} (all attempts)`]
      : [],
  );
  put("processes", [
    "the container ends with docket: processes left behind (setsid too) end with it",
    "securityContext: runAsNonRoot, allowPrivilegeEscalation: false, capabilities drop ALL, " +
    "seccomp RuntimeDefault",
    "no service account token, no service links",
  ]);
  const rows = local.map((r) => {
    const a = add[r.declaration];
    if (!a || (!a.mech.length && !a.gaps.length)) return r;
    return {
      ...r,
      enforced_by: a.mech.length ? [...r.enforced_by, "kubernetes"] : r.enforced_by,
      mechanisms: [...r.mechanisms, ...a.mech],
      // Kubernetes enforces what local runs only label (a command task's network).
      not_enforced: [
        ...r.not_enforced.filter((g) => !resolvedHere(r.declaration, g)),
        ...a.gaps,
      ],
    };
  });
  rows.push({
    declaration: "retry",
    declared: t.config.retry ?? 0,
    enforced_by: ["kubernetes"],
    mechanisms: [
      `Job backoffLimit: ${job.backoffLimit}`,
      `podFailurePolicy: exit ${DENIED_EXIT_CODE} (permission_denied) fails the Job at once`,
    ],
    not_enforced: [
      "Kubernetes' own backoff (10 s doubling to 6 min) replaces backoff_base/backoff_max",
      "schema and load errors are retried (only permission_denied has its exit code)",
    ],
  });
  rows.push({
    declaration: "state",
    declared: null,
    enforced_by: [],
    mechanisms: ["SQLite in an emptyDir per pod"],
    not_enforced: [
      "run history, status and the task's lock are not shared between pods: the PostgreSQL " +
      "backend is planned, not built; concurrencyPolicy is what keeps runs from overlapping",
    ],
  });
  const notes = [
    ...m.warnings,
    ...(scheduled === t ? [] : ["the task has no schedule: docket install would skip it"]),
    "not verified on a cluster: no cluster exists where this was built",
  ];
  return { rows, notes };
}
