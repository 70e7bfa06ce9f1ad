/** `docket doctor`: checks config, state DB, dirs, Deno, tasks and their binaries. */
import type { CommandInput, CommandOutput, Ui } from "../cli/types.ts";
import { DocketError } from "../core/errors.ts";
import { paint, table } from "../render/ui.ts";
import { esc } from "../render/escape.ts";

export interface Check {
  name: string;
  status: "ok" | "warn" | "fail";
  message: string;
  hint?: string;
}

export async function run(input: CommandInput): Promise<CommandOutput> {
  const { runChecks } = await import("./doctor_checks.ts");
  const checks = await runChecks(input);
  const failed = checks.some((c) => c.status === "fail");
  return { exitCode: failed ? 1 : 0, data: { ok: !failed, checks } };
}

export function render(data: unknown, ui: Ui): string {
  const checks = (data as { checks: Check[] }).checks;
  const mark = (s: Check["status"]) =>
    s === "ok"
      ? paint(ui, "green", "ok")
      : s === "warn"
      ? paint(ui, "yellow", "warn")
      : paint(ui, "red", "FAIL");
  return table(
    ["CHECK", "RESULT", "DETAIL"],
    checks.map((
      c,
    ) => [
      esc(c.name),
      mark(c.status),
      esc(c.message + (c.hint && c.status !== "ok" ? ` (hint: ${c.hint})` : "")),
    ]),
  );
}

export { DocketError };
