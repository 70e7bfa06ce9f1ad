/**
 * The directory of the built-in tasks' shared code. The sandbox grants read access to a task's
 * own module only; a built-in that imports `tasks/lib/` declares this directory in `reads`
 * so its static imports load (it holds code only, no data).
 */
export const TASK_LIB_DIR: string = decodeURIComponent(new URL(".", import.meta.url).pathname)
  .replace(/\/$/, "");
