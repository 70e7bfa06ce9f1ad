// What a task's declarations mean on Kubernetes beyond the objects: hosts no policy can name,
// ephemeral writes, paths and programs the image must provide. Said in the install's output.
import type { TaskInfo } from "../registry/registry.ts";
import { dirname } from "../core/path.ts";
import { TASK_API_FILES } from "../sandbox/permissions.ts";
import type { EgressPlan } from "./network.ts";

/** docket's checkout on this host: its files are in the image too (at DOCKET_DIR). */
const DOCKET_ROOT = dirname(TASK_API_FILES[0]!);

export function declarationWarnings(t: TaskInfo, egress: EgressPlan, writes: string[]): string[] {
  const warnings: string[] = [];
  const c = t.config;
  const g = t.grants;
  const destructive = g.destructive === true;
  if (egress.unexpressed.length) {
    warnings.push(
      `NetworkPolicy cannot name hosts: egress to ${egress.unexpressed.join(", ")} is denied` +
        (egress.cilium
          ? "; the CiliumNetworkPolicy allows it by name (toFQDNs)"
          : " (use --cilium for a CiliumNetworkPolicy with toFQDNs, or declare IP addresses)"),
    );
  }
  if (egress.loopback.length) {
    warnings.push(
      `${egress.loopback.join(", ")} is the pod's own loopback: no NetworkPolicy governs it`,
    );
  }
  const notifies = c.notify !== undefined ||
    ["on_success", "on_failure", "on_complete"].some((k) => c[k] !== undefined);
  if (notifies && g.network !== true) {
    warnings.push(
      "hooks and notifications run in the task's pod under its NetworkPolicy: " +
        "they reach only what the task declares",
    );
  }

  if (destructive && g.writes === undefined) {
    warnings.push(
      "destructive without a writes list may write anywhere locally; on Kubernetes the root " +
        "file system is read-only and only scratch (/tmp) is writable",
    );
  }
  if (writes.length) {
    warnings.push(
      `writes paths ${writes.join(", ")} are emptyDir volumes, gone with the pod: ` +
        "mount a PersistentVolumeClaim there for data that must last",
    );
  }
  // Paths inside docket's checkout (a built-in's helpers) are in the image, at DOCKET_DIR.
  const foreign = (g.reads ?? []).filter((p) =>
    p !== DOCKET_ROOT && !p.startsWith(`${DOCKET_ROOT}/`)
  );
  if (foreign.length) {
    warnings.push(
      `reads paths ${foreign.join(", ")} exist in the pod only if the image or a volume you ` +
        "add provides them",
    );
  }
  if (g.exec?.length) {
    warnings.push(`programs ${g.exec.join(", ")} must be installed in the image`);
  }
  if (t.source === "command") {
    warnings.push("a type: command task's program must be installed in the image");
  }
  return warnings;
}
