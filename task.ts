/**
 * Public entry point for task authors: `import { defineTask } from ".../docket/task.ts"`.
 * @module
 */
export { defineTask } from "./src/task_api.ts";
export type {
  SchemaField,
  StandardSchemaLike,
  TaskConfig,
  TaskContext,
  TaskDeclarations,
  TaskDefinition,
  TaskGrants,
  TaskResult,
} from "./src/task_api.ts";
