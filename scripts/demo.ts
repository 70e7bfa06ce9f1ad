/**
 * `deno task demo`: docket against the example config in a temporary DOCKET_HOME — a few
 * tasks run (one is denied by the sandbox), then `status` and `runs`.
 */
const root = new URL("../", import.meta.url).pathname;
const home = Deno.makeTempDirSync({ prefix: "docket-demo-" });
Deno.mkdirSync(`${home}/tasks`);
Deno.copyFileSync(`${root}examples/config.yaml`, `${home}/config.yaml`);
for (const f of ["greet.ts", "sneaky.ts"]) {
  const src = Deno.readTextFileSync(`${root}examples/tasks/${f}`)
    .replace('"../../task.ts"', JSON.stringify(`file://${root}task.ts`));
  Deno.writeTextFileSync(`${home}/tasks/${f}`, src);
}

async function docket(...args: string[]): Promise<number> {
  console.log(`\n$ docket ${args.join(" ")}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${root}main.ts`, ...args],
    env: { DOCKET_HOME: home },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  return code;
}

console.log(`DOCKET_HOME=${home}`);
await docket("list");
await docket("describe", "sneaky");
await docket("run", "greet", "--dry-run");
await docket("run", "greet", "--set", "who=world");
await docket("run", "disk-report");
await docket("run", "health-check");
await docket("run", "sneaky");
await docket("status");
await docket("runs", "--limit", "10");
const code = await docket("--json", "status", "greet");
console.log(`\n(The demo home stays at ${home}; remove it when done.)`);
Deno.exit(code);
