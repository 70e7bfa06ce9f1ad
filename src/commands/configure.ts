/**
 * `docket configure`: edit the config in $VISUAL/$EDITOR on a private temporary copy, validate
 * it, and only then replace the real file (atomically, mode 0600: it may hold tokens).
 * `--validate` checks the config without an editor and lists every problem.
 *
 * Unlike other commands, the editing mode talks to the user (the editor, the validation error,
 * the re-edit question) on the terminal; its result is still returned as data.
 */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import type { Problem } from "../config/validate.ts";
import { DocketError } from "../core/errors.ts";
import { basename, dirname, join } from "../core/path.ts";
import { configPath, docketHome } from "../core/paths.ts";
import { which } from "../core/which.ts";
import { paint } from "../render/ui.ts";

export interface ValidateData {
  ok: boolean;
  path: string;
  tasks: string[];
  problems: Problem[];
}

export interface ConfigureData {
  ok: true;
  path: string;
  /** False when the edit left the file as it was (nothing written). */
  changed: boolean;
  created: boolean;
  tasks: string[];
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  if (input.opts.validate) {
    const data = await validateFile();
    return { exitCode: data.ok ? 0 : 1, data };
  }
  return { exitCode: 0, data: await edit() };
}

async function validate(text: string, path: string, exists: boolean) {
  const { validateConfigText } = await import("../config/validate.ts");
  return await validateConfigText(text, { path, home: docketHome(), exists });
}

/** Every problem of a config error: zod problems as listed, a YAML error as one problem. */
function problemsOf(err: unknown): Problem[] {
  if (!(err instanceof DocketError) || err.kind !== "config_invalid") throw err;
  const listed = err.details?.problems;
  if (Array.isArray(listed)) return listed as Problem[];
  const { line, column } = err.details ?? {};
  return [{ path: line ? `line ${line}, column ${column}` : "(file)", message: err.message }];
}

async function validateFile(): Promise<ValidateData> {
  const path = configPath();
  let text = "";
  let exists = true;
  try {
    text = Deno.readTextFileSync(path);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) {
      return { ok: false, path, tasks: [], problems: [{ path: "(file)", message: String(err) }] };
    }
    exists = false;
  }
  try {
    const cfg = await validate(text, path, exists);
    return { ok: true, path, tasks: Object.keys(cfg.tasks), problems: [] };
  } catch (err) {
    return { ok: false, path, tasks: [], problems: problemsOf(err) };
  }
}

/** $VISUAL, $EDITOR, else vi on a terminal; never an editor that would wait on a pipe. */
function chooseEditor(): string {
  const set = Deno.env.get("VISUAL")?.trim() || Deno.env.get("EDITOR")?.trim();
  if (set) return set;
  if (Deno.stdin.isTerminal() && which("vi")) return "vi";
  throw new DocketError(
    "usage",
    "Cannot open the config: no editor (VISUAL and EDITOR are unset)",
    {
      hint: "Set EDITOR (e.g. EDITOR=nano docket configure), or check the file with " +
        "`docket configure --validate`",
    },
  );
}

async function edit(): Promise<ConfigureData> {
  const editor = chooseEditor();
  const path = configPath();
  let target = path;
  let original: string | undefined;
  try {
    // Edit through a symlink (dotfile managers): replace the file it points at.
    target = Deno.realPathSync(path);
    original = Deno.readTextFileSync(target);
  } catch (err) {
    if (!(err instanceof Deno.errors.NotFound)) throw readError(path, err);
  }
  const { STARTER_CONFIG } = await import("../config/starter.ts");
  const dir = dirname(target);
  Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Same folder: the final rename stays on one file system, hence atomic.
  const tmp = join(dir, `.${basename(target, ".yaml")}.${Deno.pid}.edit.yaml`);
  Deno.writeTextFileSync(tmp, original ?? STARTER_CONFIG, { mode: 0o600, createNew: true });
  try {
    Deno.chmodSync(tmp, 0o600);
    for (;;) {
      await runEditor(editor, tmp);
      const text = Deno.readTextFileSync(tmp);
      try {
        const cfg = await validate(text, path, true);
        const tasks = Object.keys(cfg.tasks);
        if (original !== undefined && text === original) {
          return { ok: true, path, changed: false, created: false, tasks };
        }
        Deno.chmodSync(tmp, 0o600);
        Deno.renameSync(tmp, target);
        dropConfigCache();
        return { ok: true, path, changed: true, created: original === undefined, tasks };
      } catch (err) {
        const problems = problemsOf(err);
        showProblems(err as DocketError, problems);
        if (!Deno.stdin.isTerminal() || !(await askYes("Edit again? [Y/n] "))) {
          const e = err as DocketError;
          throw new DocketError("config_invalid", `${e.message}; the file is unchanged`, {
            hint: "Run `docket configure` again to fix it",
            details: { path, problems },
          });
        }
      }
    }
  } finally {
    try {
      Deno.removeSync(tmp);
    } catch {
      // renamed into place
    }
  }
}

function readError(path: string, err: unknown): DocketError {
  return new DocketError("config_invalid", `Cannot read config "${path}": ${String(err)}`, {
    hint: "Check the file's permissions",
  });
}

/** Runs the editor like git does (`sh -c '$EDITOR "$@"'`): EDITOR may hold arguments. */
async function runEditor(editor: string, file: string): Promise<void> {
  const tty = Deno.stdin.isTerminal();
  const child = new Deno.Command("sh", {
    args: ["-c", `${editor} "$@"`, editor, file],
    // Off a terminal the editor gets no stdin, so an interactive one exits instead of waiting.
    stdin: tty ? "inherit" : "null",
    // Keep stdout for docket's own result (--json): the editor's output goes to stderr.
    stdout: Deno.stdout.isTerminal() ? "inherit" : "piped",
    stderr: "inherit",
  }).spawn();
  if (!Deno.stdout.isTerminal()) {
    await child.stdout.pipeTo(Deno.stderr.writable, { preventClose: true });
  }
  const { code } = await child.status;
  if (code !== 0) {
    throw new DocketError(
      "cancelled",
      `Editor "${editor}" exited with code ${code}: the config is unchanged`,
      { hint: "Fix the EDITOR setting, or save and quit normally to apply the edit" },
    );
  }
}

function showProblems(err: DocketError, problems: Problem[]): void {
  // A YAML error is one problem whose message is the error's own: print it once.
  const listed = problems.length === 1 && problems[0]!.message === err.message ? [] : problems;
  const lines = [`error: ${err.message}`, ...listed.map((p) => `  ${p.path}: ${p.message}`)];
  Deno.stderr.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
}

async function askYes(question: string): Promise<boolean> {
  Deno.stderr.writeSync(new TextEncoder().encode(question));
  const buf = new Uint8Array(256);
  let answer = "";
  for (;;) {
    const n = await Deno.stdin.read(buf);
    if (n === null) break;
    answer += new TextDecoder().decode(buf.subarray(0, n));
    if (answer.includes("\n")) break;
  }
  return !/^\s*n/i.test(answer);
}

function dropConfigCache(): void {
  try {
    Deno.removeSync(join(docketHome(), "cache", "config.json"));
  } catch {
    // no cache yet
  }
}

export function render(data: unknown, ui: Ui): string {
  if ("problems" in (data as object)) {
    const d = data as ValidateData;
    if (d.ok) return `${d.path} is valid (${d.tasks.length} task(s) configured)`;
    return [
      paint(ui, "red", `${d.path} has ${d.problems.length} problem(s):`),
      ...d.problems.map((p) => `  ${p.path}: ${p.message}`),
    ].join("\n");
  }
  const d = data as ConfigureData;
  if (!d.changed) return `${d.path} is unchanged`;
  return `${d.created ? "Created" : "Saved"} ${d.path} (valid, mode 0600)`;
}
