// A drop-in TypeScript task. `deno task demo` rewrites the import to this checkout's task.ts.
import { defineTask } from "../../task.ts";

export default defineTask({
  description: "Greets someone",
  inputs: { who: "Who to greet" },
  outputs: { greeting: "The greeting" },
  schema: { who: { type: "string", required: true } },
  run(config, ctx) {
    const greeting = `hello, ${config.who}`;
    ctx.event("greeted", { who: String(config.who) });
    console.log(greeting);
    return { ok: true, summary: `Greeted ${config.who}`, details: { greeting } };
  },
  dryRun(config) {
    return { ok: true, summary: `Would greet ${config.who}` };
  },
});
