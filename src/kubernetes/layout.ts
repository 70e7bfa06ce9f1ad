// Where things live inside docket's image and pods. The Containerfile at the repo root builds
// the same layout; a change here needs a change there.

/** docket's checkout inside the image. */
export const DOCKET_DIR = "/opt/docket";
/** Deno's module cache, filled at build time (`deno cache`), read-only at run time. */
export const DENO_DIR = "/opt/deno-dir";
/** The ConfigMap's files: config.yaml and the task's module. */
export const CONFIG_DIR = "/etc/docket";
export const CONFIG_PATH = `${CONFIG_DIR}/config.yaml`;
export const TASKS_DIR = `${CONFIG_DIR}/tasks`;
export const MODULES_DIR = `${CONFIG_DIR}/modules`;
/** The emptyDir holding docket's home (gone with the pod). */
export const HOME_VOLUME_DIR = "/var/lib/docket";
/**
 * DOCKET_HOME: SQLite state and logs, a folder docket creates 0700 inside the emptyDir — a
 * kubelet makes an emptyDir world-writable (0777), and docket refuses a home other users can
 * write (its state and logs would be theirs to change).
 */
export const HOME_DIR = `${HOME_VOLUME_DIR}/home`;
export const TMP_DIR = "/tmp";
/** The image's non-root user (Containerfile: USER 10001:10001). */
export const RUN_AS = 10001;
/** The container that runs docket in every pod (podFailurePolicy names it). */
export const CONTAINER = "docket";

/**
 * The exit code of `docket run --denied-exit-code N` for a permission denial, which the Job's
 * podFailurePolicy turns into FailJob (no retry). 77 is EX_NOPERM of sysexits(3).
 */
export const DENIED_EXIT_CODE = 77;

/** Paths a declared `writes` entry may not replace with an emptyDir. */
export const RESERVED_PATHS = [DOCKET_DIR, DENO_DIR, CONFIG_DIR, HOME_VOLUME_DIR, TMP_DIR];

/** The command of docket's container, before `run <task>`. */
export function docketCommand(): string[] {
  return [
    "deno",
    "run",
    "-A",
    "--cached-only",
    "--config",
    `${DOCKET_DIR}/deno.json`,
    `${DOCKET_DIR}/main.ts`,
  ];
}
