// Offline validation of the manifests before anything is written: the official schemas
// (kubernetes-models, loaded only here) plus docket's own checks for what those let through
// (unknown fields, cron syntax, CIDRs, names, docket's security invariants).
import { isIP } from "node:net";
import { CONTAINER, DENIED_EXIT_CODE } from "./layout.ts";
import {
  CRONJOB_NAME_MAX,
  DATA_KEY,
  ENV_NAME,
  isDnsLabel,
  isDnsSubdomain,
  isLabelKey,
  isLabelValue,
} from "./names.ts";
import { cronProblem } from "./schedule.ts";
import { shapeProblems, SHAPES } from "./shape.ts";

type Obj = Record<string, any>;

/** A ConfigMap holds at most 1 MiB. */
const CONFIG_MAP_MAX = 1024 * 1024;

/** Problems of one object, each prefixed with `Kind/name`. */
export function strictProblems(o: Obj): string[] {
  const id = `${o?.kind ?? "?"}/${o?.metadata?.name ?? "?"}`;
  const shape = SHAPES[`${o?.apiVersion}/${o?.kind}`];
  if (!shape) return [`${id}: ${o?.apiVersion}/${o?.kind} is not a kind docket emits`];
  const out = shapeProblems(o, shape);
  if (out.length) return out.map((p) => `${id}: ${p}`);
  try {
    semanticProblems(o, out);
  } catch (err) {
    // A required part is missing: the official schemas name it.
    out.push(`malformed (${(err as Error).message})`);
  }
  return out.map((p) => `${id}: ${p}`);
}

function semanticProblems(o: Obj, out: string[]): void {
  out.push(...metaProblems(o.metadata, o.kind === "CronJob"));
  if (o.kind === "CronJob") out.push(...cronJobProblems(o));
  if (o.kind === "NetworkPolicy") out.push(...networkPolicyProblems(o));
  if (o.kind === "CiliumNetworkPolicy") out.push(...ciliumProblems(o));
  if (o.kind === "ConfigMap") {
    for (const k of Object.keys(o.data)) {
      if (!DATA_KEY.test(k)) out.push(`data key "${k}" is invalid`);
    }
    const size = Object.values(o.data as Record<string, string>)
      .reduce((n, v) => n + new TextEncoder().encode(v).length, 0);
    if (size > CONFIG_MAP_MAX) out.push(`data is ${size} bytes, over the 1 MiB a ConfigMap holds`);
  }
}

function labelProblems(labels: Record<string, string>, where: string): string[] {
  return Object.entries(labels).flatMap(([k, v]) => [
    ...(isLabelKey(k) ? [] : [`${where} key "${k}" is not a label key`]),
    ...(isLabelValue(v) ? [] : [`${where} value "${v}" is not a label value`]),
  ]);
}

function metaProblems(m: Obj, cronJob: boolean): string[] {
  const out: string[] = [];
  if (!isDnsSubdomain(m.name ?? "")) out.push(`metadata.name "${m.name}" is not a DNS-1123 name`);
  if (cronJob && !(isDnsLabel(m.name) && m.name.length <= CRONJOB_NAME_MAX)) {
    out.push(`metadata.name "${m.name}" is longer than ${CRONJOB_NAME_MAX} or not a DNS label`);
  }
  if (!isDnsLabel(m.namespace ?? "")) out.push(`metadata.namespace "${m.namespace}" is invalid`);
  out.push(...labelProblems(m.labels ?? {}, "metadata.labels"));
  return out;
}

function cronJobProblems(o: Obj): string[] {
  const out: string[] = [];
  const s = o.spec;
  const cron = cronProblem(s.schedule);
  if (cron) out.push(`spec.schedule "${s.schedule}": ${cron}`);
  if (s.timeZone !== undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: s.timeZone });
    } catch {
      out.push(`spec.timeZone "${s.timeZone}" is not an IANA time zone`);
    }
  }
  if (!(s.startingDeadlineSeconds >= 10)) out.push("spec.startingDeadlineSeconds must be ≥ 10");
  const job = s.jobTemplate.spec;
  if (!(job.backoffLimit >= 0)) out.push("backoffLimit must be ≥ 0");
  if (job.activeDeadlineSeconds !== undefined && !(job.activeDeadlineSeconds > 0)) {
    out.push("activeDeadlineSeconds must be > 0");
  }
  const denied = (job.podFailurePolicy?.rules ?? []).some((r: Obj) =>
    r.action === "FailJob" && r.onExitCodes?.operator === "In" &&
    r.onExitCodes.values.includes(DENIED_EXIT_CODE) && r.onExitCodes.containerName === CONTAINER
  );
  if (!denied) out.push(`podFailurePolicy must fail the Job on exit code ${DENIED_EXIT_CODE}`);
  const pod = job.template;
  out.push(...labelProblems(pod.metadata.labels, "template labels"));
  if (JSON.stringify(pod.metadata.labels) !== JSON.stringify(o.metadata.labels)) {
    out.push("the pod template's labels must equal the CronJob's (the NetworkPolicy selects them)");
  }
  out.push(...podProblems(pod.spec));
  return out;
}

function podProblems(p: Obj): string[] {
  const out: string[] = [];
  if (p.restartPolicy !== "Never") out.push("restartPolicy must be Never (podFailurePolicy)");
  if (p.automountServiceAccountToken !== false) {
    out.push("the service account token must not be mounted");
  }
  const psc = p.securityContext ?? {};
  if (psc.runAsNonRoot !== true || !(psc.runAsUser > 0)) out.push("the pod must run as non-root");
  if (psc.seccompProfile?.type !== "RuntimeDefault") {
    out.push("the pod's seccomp must be RuntimeDefault");
  }
  const volumes = new Set<string>();
  for (const v of p.volumes) {
    if (!isDnsLabel(v.name)) out.push(`volume name "${v.name}" is not a DNS label`);
    if (volumes.has(v.name)) out.push(`volume "${v.name}" is declared twice`);
    volumes.add(v.name);
    if ((v.configMap === undefined) === (v.emptyDir === undefined)) {
      out.push(`volume "${v.name}" must be exactly one of configMap, emptyDir`);
    }
  }
  if (p.containers.length !== 1) out.push("the pod must have exactly one container");
  for (const c of p.containers) {
    if (c.name !== CONTAINER) out.push(`the container must be named "${CONTAINER}"`);
    if (!c.image || /\s/.test(c.image)) out.push(`image "${c.image}" is empty or holds spaces`);
    const sc = c.securityContext ?? {};
    const invariant = sc.runAsNonRoot === true && sc.readOnlyRootFilesystem === true &&
      sc.allowPrivilegeEscalation === false && sc.privileged === false &&
      sc.capabilities?.drop?.includes("ALL") && sc.seccompProfile?.type === "RuntimeDefault";
    if (!invariant) {
      out.push(
        "the container must set runAsNonRoot, readOnlyRootFilesystem, " +
          "allowPrivilegeEscalation: false, privileged: false, drop ALL, seccomp RuntimeDefault",
      );
    }
    const names = new Set<string>();
    for (const e of c.env) {
      if (!ENV_NAME.test(e.name)) out.push(`env name "${e.name}" is invalid`);
      if (names.has(e.name)) out.push(`env "${e.name}" is set twice`);
      names.add(e.name);
      if ((e.value === undefined) === (e.valueFrom === undefined)) {
        out.push(`env "${e.name}" must have exactly one of value, valueFrom`);
      }
      const ref = e.valueFrom?.secretKeyRef;
      if (ref && (!isDnsSubdomain(ref.name) || !DATA_KEY.test(ref.key))) {
        out.push(`env "${e.name}": secretKeyRef ${ref.name}/${ref.key} is invalid`);
      }
    }
    const paths = new Set<string>();
    for (const m of c.volumeMounts) {
      if (!volumes.has(m.name)) out.push(`mount of unknown volume "${m.name}"`);
      if (!m.mountPath.startsWith("/")) out.push(`mountPath "${m.mountPath}" is not absolute`);
      if (paths.has(m.mountPath)) out.push(`mountPath "${m.mountPath}" is mounted twice`);
      paths.add(m.mountPath);
    }
  }
  return out;
}

/** `a.b.c.d/n` or `v6/n`, prefix in range. */
export function cidrProblem(cidr: string): string | undefined {
  const [ip, prefix, ...rest] = cidr.split("/");
  const v = isIP(ip ?? "");
  if (rest.length || v === 0 || !/^\d{1,3}$/.test(prefix ?? "")) return `"${cidr}" is not a CIDR`;
  if (Number(prefix) > (v === 4 ? 32 : 128)) return `"${cidr}" has a prefix out of range`;
  return undefined;
}

const PROTOCOLS = new Set(["TCP", "UDP", "SCTP"]);

function networkPolicyProblems(o: Obj): string[] {
  const out: string[] = [];
  const s = o.spec;
  out.push(...labelProblems(s.podSelector.matchLabels, "podSelector"));
  if (JSON.stringify(s.podSelector.matchLabels) !== JSON.stringify(o.metadata.labels)) {
    out.push("podSelector must select the task's pods (its labels)");
  }
  const types = JSON.stringify(s.policyTypes);
  if (types !== '["Ingress","Egress"]') out.push("policyTypes must be Ingress and Egress");
  for (const rule of s.egress ?? []) {
    for (const peer of rule.to ?? []) {
      if (peer.ipBlock) {
        const p = cidrProblem(peer.ipBlock.cidr);
        if (p) out.push(`ipBlock ${p}`);
      }
    }
    for (const port of rule.ports ?? []) {
      if (!PROTOCOLS.has(port.protocol)) out.push(`port protocol "${port.protocol}" is invalid`);
      if (!(port.port >= 1 && port.port <= 65535)) out.push(`port ${port.port} is out of range`);
    }
  }
  return out;
}

function ciliumProblems(o: Obj): string[] {
  const out: string[] = [];
  for (const rule of o.spec.egress) {
    for (const f of rule.toFQDNs ?? []) {
      if (!isDnsSubdomain(f.matchName)) out.push(`toFQDNs "${f.matchName}" is not a DNS name`);
    }
    for (const tp of rule.toPorts ?? []) {
      for (const p of tp.ports) {
        const n = Number(p.port);
        if (!/^\d+$/.test(p.port) || n < 1 || n > 65535) out.push(`port "${p.port}" is invalid`);
        if (!["TCP", "UDP", "SCTP", "ANY"].includes(p.protocol)) {
          out.push(`protocol "${p.protocol}" is invalid`);
        }
      }
    }
  }
  return out;
}

/** The kubernetes-models class of each standard kind docket emits (loaded on first use). */
const MODELS: Record<string, [string, string]> = {
  "v1/ConfigMap": ["kubernetes-models/v1", "ConfigMap"],
  "batch/v1/CronJob": ["kubernetes-models/batch/v1", "CronJob"],
  "networking.k8s.io/v1/NetworkPolicy": ["kubernetes-models/networking.k8s.io/v1", "NetworkPolicy"],
};

/** Problems found by the official schemas. A computed specifier keeps it out of other commands. */
export async function schemaProblems(o: Obj): Promise<string[]> {
  const model = MODELS[`${o.apiVersion}/${o.kind}`];
  if (!model) return []; // CRDs (Cilium): docket's own checks only
  // node's deprecation notice for punycode (used by the validator) must not reach stderr.
  ((await import("node:process")).default as { noDeprecation?: boolean }).noDeprecation = true;
  const specifier = model[0];
  const mod = await import(specifier);
  try {
    new mod[model[1]](o).validate();
    return [];
  } catch (err) {
    return [`${o.kind}/${o.metadata?.name}: ${(err as Error).message}`];
  }
}

/** Every problem of a set of objects: docket's strict checks, then the official schemas. */
export async function validateManifests(objects: Obj[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) {
    out.push(...strictProblems(o), ...(await schemaProblems(o)));
  }
  return out;
}
