/**
 * `deno task bench`: the performance budget of issue 9, measured against two baselines taken
 * in the same run — B (`deno run -A` of an empty file: Deno's floor) and P (python3 importing
 * what the Python original imports: its floor). Prints a table, writes bench/results.json.
 *
 * BENCH_ROUNDS (default 25) sets the kept rounds of the latency figures, BENCH_WARMUP (3) the
 * discarded ones, BENCH_EVENT_REPS (5) the runs of the event figure; the cold capabilities
 * figure (seconds each) runs in every 8th kept round only. Homes live in bench/work/
 * (gitignored), rebuilt on every run. Not a test: nothing fails on a slow host, but a figure
 * worse than the committed results.json by more than 0.15 × B is flagged (compare.ts).
 */
import { BASE_ENV, clean, denoRun, type Home, ROOT, WORK } from "./homes.ts";
import {
  type Case,
  firstLine,
  median,
  round,
  runRounds,
  type Sample,
  timeOnce,
} from "./measure.ts";
import { buildHomes } from "./setup.ts";
import { concurrentFigure, eventsFigure } from "./load.ts";
import { type LatencyFigure, latencyRows, loadavg, machine, table } from "./report.ts";
import { uiFigure } from "./ui.ts";
import { committedRatios, flagRegressions, REGRESSION_X_B } from "./compare.ts";

const ROUNDS = Number(Deno.env.get("BENCH_ROUNDS") ?? 25);
const WARMUP = Number(Deno.env.get("BENCH_WARMUP") ?? 3);
const EVENT_REPS = Number(Deno.env.get("BENCH_EVENT_REPS") ?? 5);

const log = (s: string) => console.error(s);

function json(s: Sample): Record<string, unknown> | undefined {
  try {
    return JSON.parse(s.stdout);
  } catch {
    return undefined;
  }
}

/** A sample is good when docket exited 0 and printed `ok: true` (+ an extra condition). */
function okJson(extra?: (j: Record<string, any>) => string | undefined) {
  return (s: Sample): string | undefined => {
    const j = json(s);
    if (s.code !== 0 || !j || j.ok !== true) {
      return `exit code ${s.code}: ${firstLine(s.stdout, s.stderr)}`;
    }
    return extra?.(j);
  };
}

async function waitFor(home: Home, runId: string): Promise<void> {
  const s = await timeOnce(home.docket("--json", "wait", runId));
  const j = json(s);
  if (!j || typeof j.status !== "string" || j.status === "running") {
    throw new Error(`docket wait ${runId} failed (${s.code}): ${firstLine(s.stdout, s.stderr)}`);
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const m = await machine();
  log(`docket bench on ${m.nproc} × ${m.cpu} (${m.deno})`);
  Deno.mkdirSync(WORK, { recursive: true });
  const empty = `${WORK}/empty.ts`;
  Deno.writeTextFileSync(empty, "");

  log("setup:");
  const h = await buildHomes(log);

  const cases: Case[] = [
    { key: "B", cmd: denoRun(empty) },
    {
      key: "P",
      cmd: {
        cmd: "python3",
        args: ["-c", "import click, yaml, sqlite3, json, subprocess"],
        env: BASE_ENV,
        cwd: ROOT,
      },
    },
    {
      key: "status",
      cmd: h.status.docket("--json", "status"),
      check: okJson((j) => j.tasks?.length === 10 ? undefined : "expected 10 tasks"),
    },
    {
      key: "run_ts",
      cmd: h.run.docket("--json", "run", "noop"),
      check: okJson((j) => j.status === "succeeded" ? undefined : `status ${j.status}`),
    },
    {
      key: "run_cmd",
      cmd: h.run.docket("--json", "run", "truecmd"),
      check: okJson((j) => j.status === "succeeded" ? undefined : `status ${j.status}`),
    },
    {
      key: "run_ts_off",
      cmd: h.runOff.docket("--json", "run", "noop"),
      check: okJson((j) => j.status === "succeeded" ? undefined : `status ${j.status}`),
    },
    {
      key: "run_cmd_off",
      cmd: h.runOff.docket("--json", "run", "truecmd"),
      check: okJson((j) => j.status === "succeeded" ? undefined : `status ${j.status}`),
    },
    {
      key: "caps_first",
      cmd: h.caps.docket("--json", "capabilities"),
      prepare: () => clean(`${h.caps.dir}/cache`),
      every: 8,
      check: okJson((j) => j.tasks?.length >= 200 ? undefined : "expected ≥ 200 tasks"),
    },
    {
      key: "caps_repeat",
      cmd: h.caps.docket("--json", "capabilities"),
      check: okJson((j) => j.tasks?.length >= 200 ? undefined : "expected ≥ 200 tasks"),
    },
    {
      key: "runs_1m",
      cmd: h.runs.docket("--json", "runs", "--limit", "50"),
      check: okJson((j) => j.runs?.length === 50 ? undefined : "expected 50 runs"),
    },
    {
      key: "async",
      cmd: h.run.docket("run", "noop", "--async", "--json"),
      check: okJson((j) => typeof j.run_id === "string" ? undefined : "no run_id in receipt"),
      // Untimed: the next sample would otherwise meet this run's task lock.
      after: (s) => waitFor(h.run, json(s)!.run_id as string),
    },
  ];
  log(`latency: ${WARMUP} warm-up + ${ROUNDS} rounds over ${cases.length} commands`);
  const res = await runRounds(cases, {
    warmup: WARMUP,
    rounds: ROUNDS,
    onRound: (i) => Deno.stderr.writeSync(new TextEncoder().encode(i % 10 === 9 ? "|" : ".")),
  });
  log("");
  const b = res.get("B")!;
  const p = res.get("P")!;
  if (b.error || p.error) throw new Error(`baseline failed: ${b.error ?? p.error}`);
  const B = median(b.samples);
  const P = median(p.samples);
  const fig = (
    id: string,
    figure: string,
    key: string,
    target?: { x_b?: number; ms?: number },
  ): LatencyFigure => ({
    id,
    key,
    figure,
    samples_ms: res.get(key)!.samples.map((x) => round(x, 2)),
    rounds: res.get(key)!.rounds,
    ...(target?.x_b ? { target_x_b: target.x_b } : {}),
    ...(target?.ms ? { target_ms: target.ms } : {}),
    ...(res.get(key)!.error ? { error: res.get(key)!.error! } : {}),
  });
  // Targets of issue 21.
  const rows = latencyRows(
    [
      fig("1", "status (10 tasks, 10,000 runs)", "status", { x_b: 1.3 }),
      fig("2", "run noop (TS, sandboxed child, in the OS sandbox)", "run_ts", { x_b: 2.6 }),
      fig("2", "run noop (TS), sandbox.os: off", "run_ts_off"),
      fig("2", "run `true` (type: command, in the OS sandbox)", "run_cmd", { x_b: 2.3 }),
      fig("2", "run `true` (type: command), sandbox.os: off", "run_cmd_off"),
      fig("3", "capabilities, 200 drop-ins, first call (cold)", "caps_first", { ms: 1000 }),
      fig("3", "capabilities, 200 drop-ins, repeated", "caps_repeat", { x_b: 1.6 }),
      fig("4", "runs --limit 50 (1,000,000 runs)", "runs_1m", { x_b: 1.4 }),
      fig("5", "run --async receipt", "async", { x_b: 2 }),
    ],
    b.samples,
    p.samples,
  );
  const worse = flagRegressions(rows, committedRatios(`${ROOT}/bench/results.json`));

  log(`events: ${EVENT_REPS} runs of a task printing JSONL`);
  const ev = await eventsFigure(h.events, EVENT_REPS);
  log("concurrency: 50 async runs at once");
  const cc = await concurrentFigure(h.concurrent);

  log("ui: docket ui's server time on the 1,000,000-run home");
  const ui = await uiFigure(h.runs);

  const total = round((performance.now() - t0) / 1000);
  const text = table(m, { b: B, p: P }, rows, ev, cc) + "\n" +
    `docket ui, 1,000,000 runs (server time, median of ${ui.reps}; target ≤ ${ui.target_ms} ms): ` +
    (ui.error
      ? `error: ${ui.error}`
      : `overview ${ui.overview_ms} ms, task page ${ui.task_ms} ms, ` +
        `task page 1000 runs back ${ui.task_deep_ms} ms — ${ui.met ? "met" : "NOT met"}`);
  console.log(text);
  console.log(`(bench took ${total} s)`);
  for (const r of worse) {
    console.log(
      `WORSE than the committed bench/results.json by more than ${REGRESSION_X_B} × B: ` +
        `${r.figure}: ${r.x_b?.toFixed(2)} × B (committed ${r.committed_x_b?.toFixed(2)})`,
    );
  }
  const results = {
    machine: m,
    rounds: ROUNDS,
    warmup: WARMUP,
    method: "Wall time of each command from spawn (Deno.Command, stdout/stderr piped, env " +
      "cleared but for the caller's minus DOCKET_*) to exit; the commands run round-robin, " +
      "one at a time, so B, P and every figure see the same host; medians of the kept " +
      "rounds. docket is `deno run -A main.ts` from the repo root.",
    baselines: {
      B: { command: "deno run -A bench/work/empty.ts", median_ms: round(B), samples_ms: b.samples },
      P: {
        command: 'python3 -c "import click, yaml, sqlite3, json, subprocess"',
        median_ms: round(P),
        samples_ms: p.samples,
      },
    },
    latency: rows,
    samples_ms: Object.fromEntries(
      [...res].map(([k, v]) => [k, v.samples.map((x) => round(x, 2))]),
    ),
    // The kept round of each sample of a sparse case (its ratio is to that round's B).
    sample_rounds: Object.fromEntries(
      cases.filter((c) => c.every).map((c) => [c.key, res.get(c.key)!.rounds]),
    ),
    regressions: worse.map((r) => ({ key: r.key, x_b: r.x_b, committed_x_b: r.committed_x_b })),
    events: ev,
    concurrent: cc,
    ui,
    setup: h.fill,
    total_seconds: total,
    loadavg_at_end: loadavg(),
    table: text,
  };
  Deno.writeTextFileSync(`${ROOT}/bench/results.json`, JSON.stringify(results, null, 2) + "\n");
  log("wrote bench/results.json");
}

if (import.meta.main) await main();
