// Checks the cron → OnCalendar converter against the real systemd-analyze, with croner as an
// independent cron oracle, and the generated unit files against `systemd-analyze verify`.
import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { Cron, type CronOptions } from "croner";
import { cronToOnCalendar } from "../src/systemd/cron.ts";
import { type RenderedUnits, renderUnits, type UnitOptions } from "../src/systemd/units.ts";
import { systemdHardening } from "../src/systemd/hardening.ts";

const ITERATIONS = 20;
/** A boundary instant (Monday 00:00, both tools must exclude it) and an odd one before Feb 29. */
const BASES = [new Date("2024-01-01T00:00:00Z"), new Date("2028-02-27T13:37:00Z")];
const ENV = { TZ: "UTC", LC_ALL: "C" };

interface Case {
  cron: string;
  /** croner pattern when croner spells it differently. */
  croner?: string;
  /** croner options beyond UTC + legacyMode (cron's day OR rule). */
  options?: Partial<CronOptions>;
}

// Vixie cron treats a day field that starts with `*` (such as `*/2`) as unrestricted, so the
// two day fields AND; croner only does so for a bare `*`. legacyMode:false is croner's AND.
const VIXIE_AND = { legacyMode: false } as const;

const CORPUS: Case[] = [
  { cron: "* * * * *" },
  { cron: "*/15 * * * *" },
  { cron: "*/7 * * * *" },
  { cron: "5/10 * * * *" },
  { cron: "1-30/5 * * * *" },
  { cron: "10-20/50 * * * *" },
  { cron: "0,30 * * * *" },
  { cron: "15 */2 * * *" },
  { cron: "0 9-17 * * *" },
  { cron: "0 9-17/3 * * 1-5" },
  { cron: "30 9 * * 1-5" },
  { cron: "0 */6 1,10-20/5 * *" },
  { cron: "0 0 * * 0" },
  { cron: "0 0 * * 7" },
  { cron: "0 0 * * 0,7" },
  { cron: "0 0 * * 5-7" },
  { cron: "0 0 * * 0-2" },
  { cron: "0 0 * * */2" },
  { cron: "0 0 * * 1-7/2" },
  { cron: "0 0 * * 1-5/2" },
  { cron: "0 12 * * MON,WED-FRI" },
  { cron: "0 12 * * sat,sun" },
  { cron: "0 0 1 * *" },
  { cron: "0 0 */2 * *" },
  { cron: "0 0 1-7 * *" },
  { cron: "0 0 31 * *" },
  { cron: "0 0 29 2 *" },
  { cron: "59 23 31 12 *" },
  { cron: "0 0 1 */3 *" },
  { cron: "0 0 1 1-12/4 *" },
  { cron: "0 0 1 JAN,JUL *" },
  { cron: "0 6 * jun-aug MON-FRI" },
  { cron: "*/20 1 * FEB-APR/2 tue" },
  // Both day fields restricted: cron ORs them (two OnCalendar= lines).
  { cron: "30 4 1,15 * 5" },
  { cron: "0 0 1-7 * MON" },
  { cron: "0 0 13 * FRI" },
  { cron: "0 8 1,15 jan-mar sat,sun" },
  { cron: "0 0 31 2 MON" },
  { cron: "0 0 1 * 0-6" },
  { cron: "0 0 */2 * 1", options: VIXIE_AND },
  { cron: "0 0 1,15 * */2", options: VIXIE_AND },
  { cron: "@hourly" },
  { cron: "@daily" },
  { cron: "@midnight", croner: "0 0 * * *" },
  { cron: "@weekly" },
  { cron: "@monthly" },
  { cron: "@yearly" },
  { cron: "@annually" },
];

async function analyze(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command("systemd-analyze", {
    args,
    env: ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function whySkip(): Promise<string | undefined> {
  try {
    const { code, stdout } = await analyze([
      "calendar",
      "--base-time=@0",
      "--iterations=1",
      "daily",
    ]);
    if (code !== 0) return "systemd-analyze calendar --base-time does not work here";
    if (!stdout.includes("1970-01-02 00:00:00 UTC")) return "systemd-analyze ignores TZ=UTC";
    return undefined;
  } catch (err) {
    return err instanceof Deno.errors.NotFound ? "systemd-analyze is not installed" : String(err);
  }
}

const skip = await whySkip();
if (skip) console.warn(`SKIPPING systemd oracle tests: ${skip}`);

/** Next fire times of a union of OnCalendar= lines, as systemd computes them. */
async function systemdTimes(lines: string[], base: Date): Promise<string[]> {
  const all = new Set<string>();
  for (const line of lines) {
    const { code, stdout, stderr } = await analyze([
      "calendar",
      `--base-time=@${base.getTime() / 1000}`,
      `--iterations=${ITERATIONS}`,
      line,
    ]);
    if (code !== 0) throw new Error(`systemd-analyze rejected "${line}": ${stderr.trim()}`);
    for (const m of stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\S+) (\S+) UTC/g)) {
      all.add(`${m[1]}T${m[2]}.000Z`);
    }
  }
  return [...all].sort().slice(0, ITERATIONS);
}

function cronerTimes(c: Case, base: Date): string[] {
  const job = new Cron(c.croner ?? c.cron, { timezone: "UTC", legacyMode: true, ...c.options });
  return job.nextRuns(ITERATIONS, base).map((d) => d.toISOString());
}

Deno.test({
  name:
    `OnCalendar lines fire exactly when cron would (${CORPUS.length} schedules, systemd vs croner)`,
  ignore: skip !== undefined,
  async fn(t) {
    let matched = 0;
    for (const c of CORPUS) {
      const lines = cronToOnCalendar(c.cron);
      await t.step(`${c.cron} → ${lines.join(" | ")}`, async () => {
        for (const base of BASES) {
          const expected = cronerTimes(c, base);
          assertEquals(expected.length, ITERATIONS, `croner found too few runs for "${c.cron}"`);
          assertEquals(await systemdTimes(lines, base), expected, `from ${base.toISOString()}`);
        }
        matched++;
      });
    }
    console.log(`${matched}/${CORPUS.length} schedules matched croner over ${BASES.length} bases`);
    assertEquals(matched, CORPUS.length);
    // Control: the comparison can fail. systemd's own `weekly` is Monday, cron's @weekly Sunday.
    const base = BASES[0]!;
    ok(
      JSON.stringify(await systemdTimes(["weekly"], base)) !==
        JSON.stringify(cronerTimes({ cron: "@weekly" }, base)),
    );
  },
});

const unitBase: Omit<UnitOptions, "docketArgv" | "workingDirectory" | "directives"> = {
  taskName: "oracle-check",
  schedule: "30 4 1,15 * 5",
  randomizedDelaySeconds: 30,
  network: false,
  scope: "system",
  description: "verify 100% of the unit",
};

/** The hardening of a destructive task whose paths hold spaces and `%` (quoting is checked). */
function directivesFor(dir: string, network: boolean, docketArgv: string[]) {
  const home = `${dir}/home 50%`;
  return systemdHardening({
    name: "oracle-check",
    source: "dropin",
    module: `${home}/tasks/oracle-check.ts`,
    grants: {
      network: network ? ["127.0.0.1:8080"] : false,
      destructive: true,
      writes: [`${dir}/out dir`],
      reads: [`/home/some one/in`],
      max_memory_mb: 256,
    },
    config: { timeout_seconds: 300 },
  }, {
    scope: "system",
    cfg: {
      path: `${home}/config.yaml`,
      home,
      state_dir: `${home}/state.db`,
      logs_dir: `${home}/logs`,
      tasks_dir: `${home}/tasks`,
      tasks: {},
    },
    docketArgv,
    denoDir: "/home/some one/.cache/deno",
  });
}

/** Writes the pair into `dir` and runs `systemd-analyze verify` on it. */
async function verify(dir: string, units: RenderedUnits) {
  await Deno.writeTextFile(`${dir}/${units.serviceName}`, units.service);
  await Deno.writeTextFile(`${dir}/${units.timerName}`, units.timer);
  return await analyze(["verify", `${dir}/${units.timerName}`, `${dir}/${units.serviceName}`]);
}

Deno.test({
  name: "generated system units pass systemd-analyze verify without warnings",
  ignore: skip !== undefined,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "docket-units-" });
    try {
      // A docket binary under a path with a space and a `%`, so verify checks our quoting of it.
      const binDir = `${dir}/bin dir/50%`;
      await Deno.mkdir(binDir, { recursive: true });
      await Deno.copyFile("/bin/true", `${binDir}/docket`);
      await Deno.chmod(`${binDir}/docket`, 0o755);
      for (const network of [false, true]) {
        const docketArgv = [`${binDir}/docket`, "--config", `${dir}/my config.yaml`];
        const units = renderUnits({
          ...unitBase,
          network,
          docketArgv,
          docketHome: `${dir}/home`,
          workingDirectory: dir,
          directives: directivesFor(dir, network, docketArgv),
        });
        const r = await verify(dir, units);
        assertEquals({ code: r.code, stdout: r.stdout, stderr: r.stderr }, {
          code: 0,
          stdout: "",
          stderr: "",
        }, `network=${network}\n${units.service}\n${units.timer}`);
      }
      // Control: verify exits 0 on a bad OnCalendar= but warns, which the check above catches.
      const units = renderUnits({
        ...unitBase,
        docketArgv: ["/bin/true"],
        workingDirectory: dir,
        directives: [],
      });
      const broken = {
        ...units,
        timer: units.timer.replace(/^OnCalendar=.*$/m, "OnCalendar=*:*/15"),
      };
      const r = await verify(dir, broken);
      ok(r.stderr.includes("Failed to parse calendar specification"), r.stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
