// The pod template of a task's Job: one container running `docket run <task>` as a non-root
// user on a read-only root, with emptyDirs only for docket's home, /tmp and declared writes.
import { normalize } from "../core/path.ts";
import {
  CONFIG_PATH,
  CONTAINER,
  DENIED_EXIT_CODE,
  DENO_DIR,
  docketCommand,
  HOME_DIR,
  HOME_VOLUME_DIR,
  RESERVED_PATHS,
  RUN_AS,
  TMP_DIR,
} from "./layout.ts";
import { objectName, podLabels } from "./names.ts";

export interface PodInput {
  task: string;
  image: string;
  /** Names the task reads (required_env) and docket reads for it (notify *_env). */
  secretEnv: string[];
  secretName: string;
  /** Path of the module inside the pod and its ConfigMap key, when the task has one. */
  module?: { path: string; key: string };
  /** Declared `writes` paths that get an emptyDir. */
  writes: string[];
  maxMemoryMb?: number;
}

/** Memory docket itself and a Deno child need beyond the task's V8 heap (measured ≈ 70-130 MB). */
export const MEMORY_HEADROOM_MB = 256;

const EMPTY = {};

/** Checks and normalises the `writes` paths that become emptyDir mounts. */
export function writeMounts(writes: string[]): { paths: string[]; problems: string[] } {
  const paths: string[] = [];
  const problems: string[] = [];
  for (const w of writes) {
    const p = normalize(w);
    // deno-lint-ignore no-control-regex
    if (/[\x00-\x1f\x7f:]/.test(p)) {
      problems.push(
        `writes path ${JSON.stringify(w.slice(0, 100))} holds ':' or control characters`,
      );
    } else if (!p.startsWith("/") || p === "/") {
      problems.push(`writes path "${w}" must be an absolute path below /`);
    } else if (
      RESERVED_PATHS.some((r) => p === r || p.startsWith(`${r}/`) || r.startsWith(`${p}/`))
    ) {
      problems.push(
        `writes path "${w}" overlaps docket's own mounts (${RESERVED_PATHS.join(", ")})`,
      );
    } else if (!paths.includes(p)) paths.push(p);
  }
  return { paths: paths.sort(), problems };
}

export function podTemplate(p: PodInput): Record<string, unknown> {
  const env = [
    { name: "DOCKET_HOME", value: HOME_DIR },
    { name: "DOCKET_CONFIG", value: CONFIG_PATH },
    { name: "DENO_DIR", value: DENO_DIR },
    { name: "HOME", value: TMP_DIR },
    { name: "TMPDIR", value: TMP_DIR },
    { name: "NO_COLOR", value: "1" },
    // Values come from the Secret at run time; the manifest holds only its name.
    ...p.secretEnv.map((name) => ({
      name,
      valueFrom: { secretKeyRef: { name: p.secretName, key: name } },
    })),
  ];
  const mounts = [
    { name: "config", mountPath: CONFIG_PATH, subPath: "config.yaml", readOnly: true },
    ...(p.module
      ? [{ name: "config", mountPath: p.module.path, subPath: p.module.key, readOnly: true }]
      : []),
    { name: "home", mountPath: HOME_VOLUME_DIR },
    { name: "tmp", mountPath: TMP_DIR },
    ...p.writes.map((w, i) => ({ name: `writes-${i}`, mountPath: w })),
  ];
  const volumes = [
    { name: "config", configMap: { name: objectName(p.task) } },
    { name: "home", emptyDir: EMPTY },
    { name: "tmp", emptyDir: EMPTY },
    ...p.writes.map((_, i) => ({ name: `writes-${i}`, emptyDir: EMPTY })),
  ];
  const container: Record<string, unknown> = {
    name: CONTAINER,
    image: p.image,
    imagePullPolicy: "IfNotPresent",
    command: docketCommand(),
    args: ["--json", "run", "--denied-exit-code", String(DENIED_EXIT_CODE), p.task],
    workingDir: HOME_VOLUME_DIR,
    env,
    volumeMounts: mounts,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: RUN_AS,
      runAsGroup: RUN_AS,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
  if (p.maxMemoryMb !== undefined) {
    const mb = Math.ceil(p.maxMemoryMb) + MEMORY_HEADROOM_MB;
    container.resources = { limits: { memory: `${mb}Mi` }, requests: { memory: `${mb}Mi` } };
  }
  return {
    metadata: { labels: podLabels(p.task) },
    spec: {
      restartPolicy: "Never",
      // A task has no business with the API server or the namespace's service addresses.
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true,
        runAsUser: RUN_AS,
        runAsGroup: RUN_AS,
        fsGroup: RUN_AS,
        seccompProfile: { type: "RuntimeDefault" },
      },
      containers: [container],
      volumes,
    },
  };
}
