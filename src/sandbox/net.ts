/** The network side of a run: the allow-list proxy, started only for the tasks that need it. */
import { proxyFor, type SpecTask } from "./child_spec.ts";
import type { HostFacts } from "./host.ts";

export interface RunNet {
  /** The proxy's socket folder (bound into the jail), when one runs. */
  dir?: string;
  /** Targets the proxy refused, `host:port`. */
  denied: string[];
  close(): Promise<void>;
}

export async function openNet(task: SpecTask, host: HostFacts): Promise<RunNet> {
  const allow = proxyFor(task, host);
  if (!allow) return { denied: [], close: () => Promise.resolve() };
  const { startProxy } = await import("./net_proxy.ts");
  const px = startProxy(allow);
  return { dir: px.dir, denied: px.denied, close: () => px.close() };
}
