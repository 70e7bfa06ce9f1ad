/**
 * Generated broken configs for the bad input suite: mutations of one valid config (wrong types,
 * missing keys, YAML syntax errors, huge values, unicode, duplicate keys). Each must be
 * rejected as `config_invalid`.
 */
import { stringify } from "yaml";

export const VALID: Record<string, any> = {
  state_dir: "./state.db",
  logs_dir: "./logs",
  history: { keep_runs: 10, keep_days: 7 },
  tasks: {
    hello: {
      type: "command",
      command: ["echo", "hi"],
      args: ["a"],
      output_format: "text",
      success_exit_codes: [0],
      timeout_seconds: 5,
      idle_timeout_seconds: 2,
      retry: 1,
      backoff_base: 2,
      env: { A: "1" },
      required_env: ["TOKEN"],
      network: ["127.0.0.1:80"],
      destructive: false,
      schedule: "0 3 * * *",
      description: "says hi",
      on_failure: "echo failed",
      notify: { on: ["failure"], discord: { webhook_url_env: "HOOK" } },
      inputs: { name: "who to greet" },
    },
    mod: { module: "./m.ts", reads: ["/srv"], max_memory_mb: 64 },
  },
};

export const VALID_TEXT = stringify(VALID);

export interface BadConfig {
  label: string;
  text: string;
}

function clone(): Record<string, any> {
  return structuredClone(VALID);
}

function setPath(obj: Record<string, any>, path: string[], v: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]!] = v;
}

function deletePath(obj: Record<string, any>, path: string[]): void {
  let o = obj;
  for (const k of path.slice(0, -1)) o = o[k];
  delete o[path[path.length - 1]!];
}

const BIG = "x".repeat(1_000_000);

/** Values that are wrong at each path (the schema must reject every one). */
const WRONG: [string, unknown[]][] = [
  ["state_dir", [1, [], {}, true]],
  ["logs_dir", [2.5, ["a"], { a: 1 }]],
  ["history", [[], "all", 3]],
  ["history.keep_runs", [0, -1, 1.5, "10", 1e309, true]],
  ["history.keep_days", [0, -7, "x", []]],
  ["tasks", [[], "x", 1, true]],
  ["tasks.hello", ["x", 1, [1]]],
  ["tasks.hello.type", ["shell", 1, "", "COMMAND"]],
  ["tasks.hello.command", [1, [], "", "   ", [1], [""], {}, null]],
  ["tasks.hello.args", ["a", [1], {}, [null]]],
  ["tasks.hello.output_format", ["xml", 1, ["json"], BIG]],
  ["tasks.hello.success_exit_codes", ["0", [1.5], ["0"], 0]],
  ["tasks.hello.timeout_seconds", ["5", -1, 0, true, [], {}, null, 1e309, -1e309]],
  ["tasks.hello.idle_timeout_seconds", [-1, "x", []]],
  ["tasks.hello.retry", [1.5, -1, 101, "1", 9e15]],
  ["tasks.hello.backoff_base", [0, "2", -2]],
  ["tasks.hello.env", [[], "x", { A: [1] }, { A: null }, { A: {} }]],
  ["tasks.hello.required_env", ["TOKEN", ["1BAD"], ["A-B"], [1], ["A B"]]],
  ["tasks.hello.network", ["yes", [""], 1, [1], null]],
  ["tasks.hello.destructive", ["yes", 1, null, []]],
  ["tasks.hello.schedule", ["not a cron", "", "99 99 * * *", 5, "* * * * * * * *"]],
  ["tasks.hello.description", ["", 1, [], {}]],
  ["tasks.hello.on_failure", [1, [1], "", {}]],
  ["tasks.hello.notify", ["x", [], { on: ["never"] }, { bogus: 1 }]],
  ["tasks.hello.notify.on", ["failure", ["never"], [1]]],
  ["tasks.hello.notify.discord", [{}, { bogus: 1 }, "url", { webhook_url: "" }]],
  ["tasks.hello.inputs", [{ a: 1 }, [], "x"]],
  ["tasks.hello.schema", [{ a: 1 }, [], "x"]],
  ["tasks.mod.module", ["", 1, []]],
  ["tasks.mod.reads", ["/srv", [1], {}]],
  ["tasks.mod.max_memory_mb", [0, 1.5, "64", -1]],
];

/** Keys whose absence (or a missing partner) is an error. */
const MISSING: [string, Record<string, any>][] = [
  ["command task without command", { tasks: { t: { type: "command" } } }],
  ["module task without module", { tasks: { t: { type: "module" } } }],
  ["notify discord without a webhook", {
    tasks: { t: { command: "true", notify: { discord: { username: "x" } } } },
  }],
  ["telegram without chat", { tasks: { t: { command: "true", notify: { telegram: {} } } } }],
  ["telegram without token", {
    tasks: { t: { command: "true", notify: { telegram: { chat: 1 } } } },
  }],
];

/** YAML that does not parse (or parses to something that is not a config). */
function syntaxErrors(): BadConfig[] {
  const lines = VALID_TEXT.split("\n");
  const out: BadConfig[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)([A-Za-z_]+):( .+)?$/.exec(line);
    if (!m) return;
    const edit = (label: string, repl: string) => {
      const copy = [...lines];
      copy[i] = repl;
      out.push({ label: `${label} at line ${i + 1}`, text: copy.join("\n") });
    };
    edit("unclosed flow sequence", `${m[1]}${m[2]}: [${(m[3] ?? " x").trim()}`);
    edit("unclosed quote", `${m[1]}${m[2]}: "${(m[3] ?? " x").trim()}`);
    if (m[1]) edit("tab indentation", `\t${line.trimStart()}`);
    // The same key twice in one mapping.
    const copy = [...lines];
    copy.splice(i + 1, 0, `${m[1]}${m[2]}: duplicate`);
    out.push({ label: `duplicate key "${m[2]}" at line ${i + 1}`, text: copy.join("\n") });
  });
  const fixed: [string, string][] = [
    ["a sequence at top level", "- a\n- b\n"],
    ["a scalar at top level", "hello\n"],
    ["a number at top level", "42\n"],
    ["two documents", "tasks: {}\n---\ntasks: {}\n"],
    ["undefined alias", "tasks:\n  t: *nothing\n"],
    ["alias bomb", aliasBomb()],
    ["deep nesting", "tasks: " + "[".repeat(5000) + "]".repeat(5000) + "\n"],
    ["deep mapping nesting", deepMapping(3000)],
    ["stray colon", "tasks:\n  t:\n    command: a: b: c\n"],
    ["mapping and sequence mixed", "tasks:\n  t:\n    command: x\n    - y\n"],
    ["NUL byte", "tasks:\n  t:\n    command: \0\n"],
    ["unterminated block", "tasks: {\n  t: {command: x\n"],
    ["bad indentation", "tasks:\n  t:\n      command: x\n    args: []\n"],
    ["directive without a document start", "%YAML 1.2\ntasks: {}\n"],
    ["huge unclosed string", `tasks:\n  t:\n    command: "${BIG}\n`],
  ];
  for (const [label, text] of fixed) out.push({ label, text });
  return out;
}

function aliasBomb(): string {
  const rows = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
  const names = "bcdefghij".split("");
  let prev = "a";
  for (const n of names) {
    rows.push(`${n}: &${n} [${Array(10).fill(`*${prev}`).join(", ")}]`);
    prev = n;
  }
  rows.push(`tasks:\n  t:\n    command: *${prev}`);
  return rows.join("\n") + "\n";
}

function deepMapping(n: number): string {
  let s = "tasks:\n";
  for (let i = 0; i < n; i++) s += `${" ".repeat(2 + i)}k${i}:\n`;
  return s;
}

/** Unicode trouble: look-alike or invisible characters in keys, non-ASCII task names. */
function unicode(): BadConfig[] {
  const out: BadConfig[] = [];
  const keys = [
    "tasks\u200b", // zero-width space
    "t\u0430sks", // Cyrillic a
    "ｔａｓｋｓ", // full-width
    "tasks\u202e", // right-to-left override
    "state_dir\u00a0", // no-break space
  ];
  for (const k of keys) {
    out.push({ label: `look-alike top-level key ${JSON.stringify(k)}`, text: `${k}: {}\n` });
  }
  const names = ["tâche", "задача", "任务", "emoji-😀", "tab\tname", "a b", "-dash", ".dot", "x/y"];
  for (const n of names) {
    out.push({
      label: `task name ${JSON.stringify(n)}`,
      text: stringify({ tasks: { [n]: { command: "true" } } }),
    });
  }
  out.push({
    label: "unicode type value",
    text: stringify({ tasks: { t: { type: "cоmmand", command: "true" } } }),
  });
  out.push({
    label: "lone surrogate in a key",
    text: `tasks:\n  t:\n    command: "true"\n    "\\ud800": 1\n    type: shell\n`,
  });
  return out;
}

export function badConfigs(): BadConfig[] {
  const out: BadConfig[] = [];
  for (const [path, values] of WRONG) {
    values.forEach((v, i) => {
      const c = clone();
      setPath(c, path.split("."), v);
      const shown = typeof v === "string" && v.length > 40 ? `${v.length}-char string` : v;
      out.push({ label: `${path} = ${JSON.stringify(shown)} (#${i})`, text: stringify(c) });
    });
  }
  for (const [label, cfg] of MISSING) out.push({ label, text: stringify(cfg) });
  for (const top of ["bogus", "task", "Tasks"]) {
    const c = clone();
    c[top] = 1;
    out.push({ label: `unknown top-level key "${top}"`, text: stringify(c) });
  }
  {
    const c = clone();
    deletePath(c, ["tasks", "hello", "command"]);
    out.push({ label: "type: command with its command removed", text: stringify(c) });
  }
  out.push(...syntaxErrors(), ...unicode());
  return out;
}
