// The exact fields docket emits, as an allow-list. kubernetes-models' validator accepts
// unknown fields (measured), and the API server would drop or reject them: anything here
// that is not listed is a bug in docket's output.

/** A leaf type, an array of one shape, or an object of known keys. `map`: string → string. */
export type Shape = "str" | "int" | "bool" | "map" | readonly [Shape] | {
  readonly [k: string]: Shape;
};

const META = { name: "str", namespace: "str", labels: "map" } as const;
const SELECTOR = { matchLabels: "map" } as const;
const SECCOMP = { type: "str" } as const;

const CONTAINER = {
  name: "str",
  image: "str",
  imagePullPolicy: "str",
  command: ["str"],
  args: ["str"],
  workingDir: "str",
  env: [{ name: "str", value: "str", valueFrom: { secretKeyRef: { name: "str", key: "str" } } }],
  volumeMounts: [{ name: "str", mountPath: "str", subPath: "str", readOnly: "bool" }],
  securityContext: {
    runAsNonRoot: "bool",
    runAsUser: "int",
    runAsGroup: "int",
    readOnlyRootFilesystem: "bool",
    allowPrivilegeEscalation: "bool",
    privileged: "bool",
    capabilities: { drop: ["str"] },
    seccompProfile: SECCOMP,
  },
  resources: { limits: "map", requests: "map" },
} as const;

const POD_TEMPLATE = {
  metadata: { labels: "map" },
  spec: {
    restartPolicy: "str",
    automountServiceAccountToken: "bool",
    enableServiceLinks: "bool",
    securityContext: {
      runAsNonRoot: "bool",
      runAsUser: "int",
      runAsGroup: "int",
      fsGroup: "int",
      seccompProfile: SECCOMP,
    },
    containers: [CONTAINER],
    volumes: [{ name: "str", configMap: { name: "str" }, emptyDir: {} }],
  },
} as const;

export const SHAPES: Record<string, Shape> = {
  "v1/ConfigMap": { apiVersion: "str", kind: "str", metadata: META, data: "map" },
  "batch/v1/CronJob": {
    apiVersion: "str",
    kind: "str",
    metadata: META,
    spec: {
      schedule: "str",
      timeZone: "str",
      concurrencyPolicy: "str",
      startingDeadlineSeconds: "int",
      suspend: "bool",
      jobTemplate: {
        metadata: { labels: "map" },
        spec: {
          backoffLimit: "int",
          activeDeadlineSeconds: "int",
          podFailurePolicy: {
            rules: [{
              action: "str",
              onExitCodes: { containerName: "str", operator: "str", values: ["int"] },
              onPodConditions: [{ type: "str", status: "str" }],
            }],
          },
          template: POD_TEMPLATE,
        },
      },
    },
  },
  "networking.k8s.io/v1/NetworkPolicy": {
    apiVersion: "str",
    kind: "str",
    metadata: META,
    spec: {
      podSelector: SELECTOR,
      policyTypes: ["str"],
      ingress: [{}],
      egress: [{
        to: [{ ipBlock: { cidr: "str" }, namespaceSelector: SELECTOR, podSelector: SELECTOR }],
        ports: [{ protocol: "str", port: "int" }],
      }],
    },
  },
  "cilium.io/v2/CiliumNetworkPolicy": {
    apiVersion: "str",
    kind: "str",
    metadata: META,
    spec: {
      endpointSelector: SELECTOR,
      egress: [{
        toEndpoints: [SELECTOR],
        toFQDNs: [{ matchName: "str" }],
        toPorts: [{
          ports: [{ port: "str", protocol: "str" }],
          rules: { dns: [{ matchName: "str" }] },
        }],
      }],
    },
  },
};

/** Every place where `value` strays from `shape`: unknown fields, wrong types. */
export function shapeProblems(value: unknown, shape: Shape, path = ""): string[] {
  const at = path || "(root)";
  if (shape === "str") return typeof value === "string" ? [] : [`${at} must be a string`];
  if (shape === "int") return Number.isSafeInteger(value) ? [] : [`${at} must be an integer`];
  if (shape === "bool") return typeof value === "boolean" ? [] : [`${at} must be a boolean`];
  if (shape === "map") {
    if (!isObject(value)) return [`${at} must be a mapping`];
    return Object.entries(value).filter(([, v]) => typeof v !== "string")
      .map(([k]) => `${path}.${k} must be a string`);
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return [`${at} must be a list`];
    return value.flatMap((v, i) => shapeProblems(v, shape[0]!, `${path}[${i}]`));
  }
  if (!isObject(value)) return [`${at} must be a mapping`];
  const known = shape as Record<string, Shape>;
  return Object.entries(value).flatMap(([k, v]) =>
    Object.hasOwn(known, k)
      ? shapeProblems(v, known[k]!, path ? `${path}.${k}` : k)
      : [`${path ? `${path}.` : ""}${k} is not a field docket emits`]
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
