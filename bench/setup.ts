/** Builds the bench homes: configs, drop-ins and synthetic histories. */
import { fillHistory } from "./history.ts";
import { Home } from "./homes.ts";
import { firstLine, timeOnce } from "./measure.ts";

export const EVENT_LINES = 100_000;
export const CONCURRENT_RUNS = 50;

export interface Homes {
  status: Home;
  runs: Home;
  run: Home;
  /** The same tasks with the OS sandbox off (`sandbox.os: off`): the jail's cost. */
  runOff: Home;
  caps: Home;
  events: Home;
  concurrent: Home;
  /** Seconds taken to insert each synthetic history. */
  fill: { status_10k_s: number; runs_1m_s: number };
}

/** Runs one docket command and fails loudly if it does not succeed. */
export async function mustDocket(home: Home, ...args: string[]): Promise<unknown> {
  const s = await timeOnce(home.docket(...args));
  if (s.code !== 0) {
    throw new Error(
      `docket ${args.join(" ")} failed (${s.code}): ${firstLine(s.stdout, s.stderr)}`,
    );
  }
  return args.includes("--json") ? JSON.parse(s.stdout) : s.stdout;
}

function commandTasks(names: string[], command = `["true"]`): string {
  return "tasks:\n" + names.map((n) => `  ${n}:\n    type: command\n    command: ${command}\n`)
    .join("");
}

/** A history needs the schema: open the home once through docket, then insert rows directly. */
async function withHistory(home: Home, runs: number, tasks: number): Promise<number> {
  await mustDocket(home, "--json", "status");
  return fillHistory(home.stateDb, { runs, tasks, taskPrefix: "task" });
}

export async function buildHomes(log: (s: string) => void): Promise<Homes> {
  const ten = Array.from({ length: 10 }, (_, i) => `task${i}`);

  const status = new Home("status-10k").config(commandTasks(ten));
  const status_10k_s = await withHistory(status, 10_000, 10);
  log(`  10,000-run history in ${status_10k_s.toFixed(2)} s`);

  const runs = new Home("runs-1m").config(commandTasks(ten));
  const runs_1m_s = await withHistory(runs, 1_000_000, 10);
  log(`  1,000,000-run history in ${runs_1m_s.toFixed(2)} s`);

  const run = new Home("run").config(commandTasks(["truecmd"])).noop("noop");

  const runOff = new Home("run-off").config("sandbox:\n  os: off\n" + commandTasks(["truecmd"]))
    .noop("noop");

  const caps = new Home("caps-200");
  for (let i = 0; i < 200; i++) caps.noop(`task${String(i).padStart(3, "0")}`);

  const events = new Home("events");
  const emit = `${events.dir}/emit.sh`;
  Deno.writeTextFileSync(
    emit,
    `exec awk 'BEGIN { for (i = 0; i < ${EVENT_LINES}; i++) ` +
      `printf "{\\"type\\":\\"progress\\",\\"i\\":%d,\\"bytes\\":%d,\\"file\\":\\"data/part-%06d.bin\\"}\\n", ` +
      `i, i * 512, i }'\n`,
  );
  events.config(
    `tasks:\n  emit:\n    type: command\n    command: ["sh", "${emit}"]\n    output_format: jsonl\n`,
  );

  const concurrent = new Home("concurrent");
  for (let i = 0; i < CONCURRENT_RUNS; i++) concurrent.noop(`c${String(i).padStart(2, "0")}`);
  // Warm the metadata cache once, so the figure measures running, not the first scan. A file
  // is cached only when read in a later second than its last change (ctime has 1 s steps).
  await new Promise((r) => setTimeout(r, 1100));
  await mustDocket(concurrent, "--json", "list");

  return { status, runs, run, runOff, caps, events, concurrent, fill: { status_10k_s, runs_1m_s } };
}
