// Kubernetes naming rules (DNS-1123 labels and subdomains, label values, env and key names)
// and the names docket gives a task's objects. Pure: the strict checks and the planner share it.

/** DNS-1123 label: lower-case alphanumerics and '-', starting and ending alphanumeric, ≤ 63. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** DNS-1123 subdomain: dot-separated labels, ≤ 253 characters. */
export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label value: empty, or ≤ 63 alphanumerics, '-', '_', '.', starting and ending alphanumeric. */
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** The name part of a qualified label key. */
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
/** An environment variable name as the API server accepts it. */
export const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;
/** A ConfigMap or Secret data key. */
export const DATA_KEY = /^[-._a-zA-Z0-9]+$/;

/** A CronJob's name becomes its Jobs' names plus an 11-character suffix: at most 52. */
export const CRONJOB_NAME_MAX = 52;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS_SUBDOMAIN.test(s);
}

export function isLabelValue(s: string): boolean {
  return s.length <= 63 && LABEL_VALUE.test(s);
}

/** A label key: `[prefix/]name`, prefix a DNS subdomain ≤ 253, name ≤ 63. */
export function isLabelKey(s: string): boolean {
  const slash = s.lastIndexOf("/");
  const prefix = slash < 0 ? undefined : s.slice(0, slash);
  const name = slash < 0 ? s : s.slice(slash + 1);
  if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
  return name.length <= 63 && LABEL_NAME.test(name);
}

/** The name of every object of one task: `docket-<task>`. */
export function objectName(task: string): string {
  return `docket-${task}`;
}

/** The labels on a task's pods; its NetworkPolicy selects exactly these. */
export function podLabels(task: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "docket",
    "app.kubernetes.io/instance": objectName(task),
    "app.kubernetes.io/managed-by": "docket",
  };
}

/** Why a task name cannot name Kubernetes objects, or undefined when it can. */
export function taskNameProblem(task: string): string | undefined {
  const name = objectName(task);
  if (!isDnsLabel(name) || name.length > CRONJOB_NAME_MAX) {
    return `"${name}" is not a Kubernetes CronJob name (lower-case letters, digits and '-', ` +
      `at most ${CRONJOB_NAME_MAX} characters)`;
  }
  return undefined;
}
