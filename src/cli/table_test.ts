import assert from "node:assert/strict";
import { COMMANDS } from "./table.ts";

Deno.test("every command in the table loads a module with a run function", async () => {
  for (const def of COMMANDS) {
    const mod = await def.load();
    assert.equal(typeof mod.run, "function", def.name);
    if (mod.render !== undefined) assert.equal(typeof mod.render, "function", def.name);
  }
});

/**
 * The modules Deno loads before main runs: static imports and literal dynamic imports,
 * followed transitively (type-only imports and `typeof import()` queries are not loaded).
 */
function startupGraph(entry: URL): string[] {
  const re =
    /^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+"([^"]+)"|^\s*import\s+"([^"]+)"|(?<!typeof\s+)\bimport\(\s*"([^"]+)"\s*\)/gm;
  const seen = new Set<string>();
  const todo = [entry.href];
  while (todo.length) {
    const url = todo.pop()!;
    if (seen.has(url)) continue;
    seen.add(url);
    if (!url.startsWith("file:")) continue;
    const code = Deno.readTextFileSync(new URL(url))
      .replace(/\/\*[\s\S]*?\*\//g, "")
      .replace(/^\s*\/\/.*$/gm, "");
    for (const m of code.matchAll(re)) {
      const spec = (m[1] ?? m[2] ?? m[3])!;
      todo.push(spec.startsWith(".") ? new URL(spec, url).href : spec);
    }
  }
  return [...seen];
}

Deno.test("main.ts's startup graph holds no command module and no npm package", () => {
  // Deno loads every module reachable through literal imports, dynamic ones included, before
  // main runs: a literal `import("../commands/x.ts")` costs every call. In the table use
  // `load: command("x")`; elsewhere `lazy()` from core/lazy.ts.
  const specs = startupGraph(new URL("../../main.ts", import.meta.url));
  assert.ok(specs.some((s) => s.endsWith("/src/cli/table.ts")), specs.join(" "));
  const heavy = specs.filter((s) =>
    s.includes("/src/commands/") || s.includes("/src/config/validate") ||
    s.includes("/src/ui/") || !/^(file|node):/.test(s)
  );
  assert.deepEqual(heavy, [], `startup graph: ${specs.join(" ")}`);
});

Deno.test("docket ui's modules load only for `docket ui`, and it is not an MCP tool", async () => {
  // Its module (src/commands/ui.ts) reaches the server only through lazy(): nothing of src/ui/
  // is in its own static graph either, so `docket ui --help` costs nothing extra.
  const specs = startupGraph(new URL("../commands/ui.ts", import.meta.url));
  assert.deepEqual(specs.filter((s) => s.includes("/src/ui/")), []);
  const mcp = await Deno.readTextFile(new URL("../mcp/tools_read.ts", import.meta.url)) +
    await Deno.readTextFile(new URL("../mcp/tools_run.ts", import.meta.url));
  assert.ok(!/callCommand\("ui"/.test(mcp), "no MCP tool calls the ui command");
});

Deno.test("the run and status paths load no node:crypto and no node:timers at start-up", () => {
  // Each node polyfill costs start-up on every call (issue 21, measured): node:crypto ≈ 17 ms
  // of a `run` (WebCrypto is already in the runtime); the first timer ≈ 6 ms (armed after the
  // child is spawned, see runs/liveness.ts).
  for (const cmd of ["run", "status", "runner"]) {
    const specs = startupGraph(new URL(`../commands/${cmd}.ts`, import.meta.url));
    const heavy = specs.filter((s) => s === "node:crypto" || s === "node:timers");
    assert.deepEqual(heavy, [], `${cmd}: ${specs.join(" ")}`);
  }
});
