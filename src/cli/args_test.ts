import { parseArgs } from "node:util";
import assert from "node:assert/strict";
import { type ArgOption, argOptions, parseArgv } from "./args.ts";
import { COMMANDS } from "./table.ts";

const OPTIONS: Record<string, ArgOption> = {
  limit: { type: "string" },
  force: { type: "boolean" },
  set: { type: "string", multiple: true },
  follow: { type: "boolean", short: "f" },
  tail: { type: "string", short: "t" },
  "run-id": { type: "string" },
};

const CASES: string[][] = [
  [],
  ["task"],
  ["task", "extra"],
  ["--limit", "5"],
  ["--limit=5"],
  ["--limit="],
  ["--limit=-5"],
  ["--limit", "-"],
  ["--limit", "--force"],
  ["--limit"],
  ["--limit", "3", "--limit", "4"],
  ["--force"],
  ["--force=1"],
  ["--force", "x"],
  ["--no-force"],
  ["--foo"],
  ["--foo=bar"],
  ["--=x"],
  ["-x"],
  ["-"],
  ["--"],
  ["a", "--", "--force", "-x"],
  ["--set", "a=1", "--set", "b=2"],
  ["--set=a=1"],
  ["--set"],
  ["-f"],
  ["-f=1"],
  ["-ff"],
  ["-fx"],
  ["-xf"],
  ["-t", "3"],
  ["-t3"],
  ["-t-3"],
  ["-ft", "3"],
  ["-ft3"],
  ["-ft-3"],
  ["-t"],
  ["--tail", "--", "x"],
  ["--run-id", "20260427T013000000000Z-ab12cd34", "x"],
  ["--constructor"],
  ["--__proto__"],
  ["--toString=1"],
];

function node(args: string[], options: Record<string, ArgOption>) {
  try {
    const r = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values: { ...r.values }, positionals: r.positionals };
  } catch (e) {
    return { error: (e as Error).message, code: (e as { code?: string }).code };
  }
}

function ours(args: string[], options: Record<string, ArgOption>) {
  try {
    return parseArgv(args, options);
  } catch (e) {
    return { error: (e as Error).message, code: (e as { code?: string }).code };
  }
}

Deno.test("parseArgv parses and fails exactly like node:util parseArgs", () => {
  for (const args of CASES) {
    assert.deepEqual(ours(args, OPTIONS), node(args, OPTIONS), JSON.stringify(args));
  }
});

Deno.test("parseArgv agrees with parseArgs on every command's real options", () => {
  for (const def of COMMANDS) {
    const options = argOptions(def);
    const names = Object.keys(options);
    const probes = [
      ...names.flatMap((n) => [[`--${n}`], [`--${n}`, "v"], [`--${n}=v`], [`--${n}`, "-v"]]),
      ...names.map((n) => ["pos", `--${n}`, "1", "--", `--${n}`]),
      ["--unknown-option"],
    ];
    for (const args of probes) {
      assert.deepEqual(
        ours(args, options),
        node(args, options),
        `${def.name} ${JSON.stringify(args)}`,
      );
    }
  }
});

Deno.test("parseArgv: a negative number after a string option is its value (unlike parseArgs)", () => {
  const r = parseArgv(["--limit", "-5"], { limit: { type: "string" } });
  assert.equal(r.values.limit, "-5");
  assert.throws(() => parseArgv(["--limit", "-x"], { limit: { type: "string" } }), /ambiguous/);
});
