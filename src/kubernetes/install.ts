// `docket install --target kubernetes`: compile every scheduled task, validate all of it
// offline, and only then print it (`--out -`, the default) or write one file per task.
import { stringify } from "yaml";
import type { CommandInput } from "../cli/types.ts";
import type { DocketConfig } from "../config/types.ts";
import { DocketError } from "../core/errors.ts";
import { join, resolve } from "../core/path.ts";
import { expandUser } from "../core/paths.ts";
import type { TaskInfo } from "../registry/registry.ts";
import { VERSION } from "../version.ts";
import { compileTask, type TaskManifests } from "./manifests.ts";
import { isDnsLabel, isDnsSubdomain } from "./names.ts";
import { validateManifests } from "./validate.ts";
import { writeAllOrNothing } from "./write.ts";
import type { KubernetesInstallData } from "./render.ts";

export const DEFAULT_IMAGE = `docket:${VERSION}`;

export const STATE_WARNING =
  "each pod keeps its own SQLite state in an emptyDir, gone when the pod ends: run history, " +
  "status and locks are not shared between runs. Shared state needs the PostgreSQL backend " +
  "(planned, not built yet)";

const SYSTEMD_ONLY = ["list", "user", "system", "dir", "enable"] as const;

function usage(message: string, hint: string): DocketError {
  return new DocketError("usage", message, { hint });
}

/** `--secret task=name` (repeatable) → names by task. */
function secretNames(values: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const [task, name] = v.split("=", 2);
    if (!task || !name || !isDnsSubdomain(name)) {
      throw usage(
        `Cannot use --secret "${v}": expected task=secret-name, a DNS-1123 name`,
        "e.g. --secret backup=backup-credentials",
      );
    }
    out[task] = name;
  }
  return out;
}

export async function installKubernetes(
  input: CommandInput,
  scheduled: (cfg: DocketConfig) => Promise<TaskInfo[]>,
): Promise<KubernetesInstallData> {
  const o = input.opts;
  for (const k of SYSTEMD_ONLY) {
    if (o[k] !== undefined) {
      throw usage(`Cannot use --${k} with --target kubernetes`, "It applies to systemd units");
    }
  }
  const namespace = typeof o.namespace === "string" ? o.namespace : "default";
  if (!isDnsLabel(namespace)) {
    throw usage(
      `Cannot use namespace "${namespace}": not a DNS-1123 label`,
      "e.g. --namespace ops",
    );
  }
  const image = typeof o.image === "string" ? o.image : DEFAULT_IMAGE;
  // deno-lint-ignore no-control-regex
  if (image === "" || /[\s\x00-\x1f\x7f]/.test(image)) {
    throw usage(
      `Cannot use image "${image}": empty or holds spaces`,
      "e.g. --image registry/docket:0.1.0",
    );
  }
  const out = typeof o.out === "string" ? o.out : "-";
  const secrets = secretNames((o.secret as string[] | undefined) ?? []);
  const cfg = await input.config();
  const tasks = await scheduled(cfg);
  // A task that does not load has no declarations to compile: its own error, never a manifest.
  for (const t of tasks) {
    if (!t.loadError) continue;
    throw new DocketError(t.loadError.kind, t.loadError.message, {
      ...(t.loadError.hint ? { hint: t.loadError.hint } : {}),
      details: { task: t.name },
    });
  }
  for (const name of Object.keys(secrets)) {
    if (!tasks.some((t) => t.name === name)) {
      throw usage(
        `Cannot use --secret for "${name}": no scheduled task of that name is installed`,
        "Check the task name",
      );
    }
  }
  const compiled: TaskManifests[] = tasks.map((t) =>
    compileTask(t, cfg, { image, namespace, secrets, cilium: o.cilium === true })
  );
  const problems = await validateManifests(compiled.flatMap((c) => c.objects));
  if (problems.length) {
    throw new DocketError(
      "internal",
      `docket generated invalid Kubernetes manifests (a bug; nothing was written): ${problems[0]}`,
      { hint: "Report it with the config that produced it", details: { problems } },
    );
  }
  const dir = out === "-" ? undefined : resolve(expandUser(out));
  const files = compiled.map((c) => ({
    name: `docket-${c.task}.yaml`,
    text: toYaml(c.objects),
  }));
  if (dir) writeAllOrNothing(dir, files);
  const data: KubernetesInstallData = {
    ok: true,
    target: "kubernetes",
    namespace,
    image,
    out: dir ?? "-",
    tasks: compiled.map((c, i) => ({
      task: c.task,
      file: dir ? join(dir, files[i]!.name) : null,
      objects: c.objects.map((x) => `${x.kind}/${(x.metadata as { name: string }).name}`),
      schedule: c.schedule,
      secret: c.secret,
      unexpressed_hosts: c.unexpressed_hosts,
      warnings: c.warnings,
    })),
    warnings: compiled.length ? [STATE_WARNING] : [],
    next_steps: nextSteps(compiled, namespace, image, dir),
  };
  if (!dir) {
    if (input.ui.json) data.manifests = compiled.flatMap((c) => c.objects);
    else data.yaml = files.map((f) => f.text).join("---\n");
  }
  return data;
}

export function toYaml(objects: Record<string, unknown>[]): string {
  return objects.map((x) => stringify(x, { lineWidth: 0, aliasDuplicateObjects: false })).join(
    "---\n",
  );
}

function nextSteps(c: TaskManifests[], ns: string, image: string, dir: string | undefined) {
  if (!c.length) return [];
  const withKeys = c.filter((x) => x.secret.keys.length);
  return [
    `build and push the image: podman build -t ${image} -f Containerfile . (see the README)`,
    ...withKeys.map((x) =>
      `kubectl -n ${ns} create secret generic ${x.secret.name} ` +
      x.secret.keys.map((k) => `--from-literal=${k}=…`).join(" ")
    ),
    dir ? `kubectl apply -n ${ns} -f ${dir}` : `kubectl apply -n ${ns} -f <the output>`,
  ];
}
