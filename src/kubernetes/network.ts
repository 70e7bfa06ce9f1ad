// A task's `network` declaration as egress rules: a NetworkPolicy (ipBlock + ports: all plain
// Kubernetes can say) and, behind --cilium, a CiliumNetworkPolicy with toFQDNs for host names.
import { isIP } from "node:net";
import { isDnsSubdomain, objectName, podLabels } from "./names.ts";

export interface NetTarget {
  /** The declaration as written. */
  entry: string;
  host: string;
  port?: number;
  /** 4 or 6 for a literal IP address, 0 for a host name. */
  ip: 0 | 4 | 6;
}

export interface EgressPlan {
  /** The NetworkPolicy's `spec`. */
  policy: Record<string, unknown>;
  /** The CiliumNetworkPolicy's `spec`, when asked for and there are host names. */
  cilium?: Record<string, unknown>;
  /** Declared entries plain NetworkPolicy cannot express: egress to them is denied. */
  unexpressed: string[];
  /** Entries naming the pod's own loopback, which no NetworkPolicy governs. */
  loopback: string[];
}

/** `host`, `host:port`, `[v6]:port` or a bare IPv6 literal, as Deno's --allow-net takes them. */
export function parseNetEntry(entry: string): NetTarget {
  let host = entry;
  let port: number | undefined;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracket) {
    host = bracket[1]!;
    if (bracket[2] !== undefined) port = Number(bracket[2]);
  } else if (entry.split(":").length === 2) {
    const [h, p] = entry.split(":");
    host = h!;
    port = /^\d+$/.test(p!) ? Number(p) : NaN;
  }
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw new Error(`the port of "${entry}" is not a number from 1 to 65535`);
  }
  const ip = isIP(host) as 0 | 4 | 6;
  if (ip === 0 && !isDnsSubdomain(host.toLowerCase())) {
    throw new Error(`"${entry.slice(0, 100)}" is neither an IP address nor a host name`);
  }
  return { entry, host: host.toLowerCase(), ...(port === undefined ? {} : { port }), ip };
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1"]);

/** kube-dns / CoreDNS as most clusters label it. */
const DNS_PEER = {
  namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
  podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
const DNS_PORTS = [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }];

/** Egress for one task: deny all, allow all, or the declared literal IPs (and DNS for names). */
export function egressPlan(
  task: string,
  network: boolean | string[] | undefined,
  opts: { cilium: boolean },
): EgressPlan {
  const base = {
    podSelector: { matchLabels: podLabels(task) },
    // Tasks serve nothing: no ingress, whatever they declare.
    policyTypes: ["Ingress", "Egress"],
    ingress: [],
  };
  if (network === true) {
    return { policy: { ...base, egress: [{}] }, unexpressed: [], loopback: [] };
  }
  const targets = (Array.isArray(network) ? network : []).map(parseNetEntry);
  const loopback = targets.filter((t) => LOOPBACK.has(t.host)).map((t) => t.entry);
  const remote = targets.filter((t) => !LOOPBACK.has(t.host));
  const ips = remote.filter((t) => t.ip !== 0);
  const names = remote.filter((t) => t.ip === 0);
  const egress: Record<string, unknown>[] = ips.map((t) => ({
    to: [{ ipBlock: { cidr: `${t.host}/${t.ip === 4 ? 32 : 128}` } }],
    ...(t.port === undefined ? {} : { ports: [{ protocol: "TCP", port: t.port }] }),
  }));
  // DNS only when a host name needs resolving: it is a channel out of the pod of its own.
  if (names.length) egress.push({ to: [DNS_PEER], ports: DNS_PORTS });
  const plan: EgressPlan = {
    policy: { ...base, egress },
    unexpressed: names.map((t) => t.entry),
    loopback,
  };
  if (opts.cilium && names.length) plan.cilium = ciliumSpec(task, names);
  return plan;
}

/** toFQDNs for the host names; DNS answers are only proxied for those names. */
function ciliumSpec(task: string, names: NetTarget[]): Record<string, unknown> {
  const hosts = [...new Set(names.map((t) => t.host))];
  return {
    endpointSelector: { matchLabels: podLabels(task) },
    egress: [
      {
        toEndpoints: [{
          matchLabels: {
            "k8s:io.kubernetes.pod.namespace": "kube-system",
            "k8s:k8s-app": "kube-dns",
          },
        }],
        toPorts: [{
          ports: [{ port: "53", protocol: "ANY" }],
          rules: { dns: hosts.map((h) => ({ matchName: h })) },
        }],
      },
      ...names.map((t) => ({
        toFQDNs: [{ matchName: t.host }],
        ...(t.port === undefined
          ? {}
          : { toPorts: [{ ports: [{ port: String(t.port), protocol: "TCP" }] }] }),
      })),
    ],
  };
}

/** The CiliumNetworkPolicy object around a spec. */
export function ciliumPolicy(
  task: string,
  namespace: string,
  spec: Record<string, unknown>,
): Record<string, unknown> {
  return {
    apiVersion: "cilium.io/v2",
    kind: "CiliumNetworkPolicy",
    metadata: { name: objectName(task), namespace, labels: podLabels(task) },
    spec,
  };
}
