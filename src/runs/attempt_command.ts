/** One attempt of a `type: command` task: the executable, its output formats, its events. */
import { nowIso } from "../core/ids.ts";
import { sandboxDetails, taskChildSpec } from "../sandbox/child_spec.ts";
import { hostFacts, prepareDirs } from "../sandbox/host.ts";
import { openNet } from "../sandbox/net.ts";
import { runChild } from "../sandbox/spawn.ts";
import {
  commandArgv,
  eventDetails,
  eventTypeOf,
  type Format,
  parseFinalOutput,
  parseJsonlLine,
} from "./command_task.ts";
import type { EventSink } from "./events.ts";
import { readCancelGrace } from "./cancel_grace.ts";
import type { PerformOptions, Prepared } from "./execute.ts";
import { LineSplitter } from "./line_splitter.ts";
import {
  type AttemptOutcome,
  childNotes,
  endedAtDeadline,
  failed,
  killedOutcome,
  lastLine,
  limits,
  noted,
  recordTask,
  tailKeeper,
} from "./outcome.ts";

const TAIL = 64 * 1024;
const PARSE_CAP = 16 * 1024 * 1024;

export async function attemptCommand(
  p: Prepared,
  po: PerformOptions,
  attempt: number,
  writeLog: (b: Uint8Array) => void,
  sink: EventSink,
): Promise<AttemptOutcome> {
  const argv = commandArgv(p.section, p.dryRun);
  if (!argv) {
    return {
      status: "dry_run",
      summary: `Would run: ${commandArgv(p.section, false)!.join(" ")} (no dry_run_args or ` +
        `dry_run_command: nothing was executed)`,
      details: { preview: true, argv: commandArgv(p.section, false) },
      error: null,
      retryable: false,
    };
  }
  const format = (p.section.output_format as Format | undefined) ?? "text";
  const stdoutTail = tailKeeper(TAIL);
  const stderrTail = tailKeeper(TAIL);
  const full: Uint8Array[] = [];
  let fullSize = 0;
  let truncated = false;
  const dec = new TextDecoder();
  let badLine: string | undefined;
  const streamJsonl = format === "jsonl";
  const lines = new LineSplitter(PARSE_CAP, ingestLine, () => {
    badLine ??= `a line longer than ${PARSE_CAP} bytes`;
  });
  const scratch = Deno.makeTempDirSync({ prefix: `docket-${p.runId}-` });
  const host = hostFacts(p.cfg, p.task.name);
  const net = await openNet(p.task, host);
  const spec = taskChildSpec(p.task, {
    runId: p.runId,
    attempt,
    dryRun: p.dryRun,
    scratchDir: scratch,
    section: p.section,
    ...(net.dir ? { netDir: net.dir } : {}),
  }, host);
  // Unjailed, the command keeps the caller's working directory (as before the OS layer).
  if (!spec.jailed && !p.section.cwd) delete spec.cwd;
  let out;
  try {
    prepareDirs(spec);
    out = await runChild(spec, {
      ...limits(p.section),
      runId: p.runId,
      log: writeLog,
      signal: po.signal,
      cancelGraceMs: () => readCancelGrace(p.cfg.logs_dir, p.runId),
      ...(po.killNow ? { killNow: po.killNow } : {}),
      onStart: (pid) => recordTask(p, pid),
      onStderr: (b) => stderrTail.push(b),
      onStdout: (b) => {
        stdoutTail.push(b);
        if (!streamJsonl) {
          if (format === "text") return; // nothing to parse: the tail is enough
          if (fullSize + b.length <= PARSE_CAP) {
            full.push(b.slice());
            fullSize += b.length;
          } else truncated = true;
          return;
        }
        lines.push(b);
      },
    });
  } finally {
    await net.close();
    try {
      Deno.removeSync(scratch, { recursive: true });
    } catch {
      // already gone
    }
  }
  function ingestLine(line: string) {
    try {
      const ev = parseJsonlLine(line);
      if (!ev) return;
      const type = eventTypeOf(ev);
      const ts = typeof ev.timestamp === "string" ? ev.timestamp : nowIso();
      sink.push({ timestamp: ts, event_type: type, event: ev });
      po.onEvent?.(type);
    } catch {
      badLine ??= line.slice(0, 200);
    }
  }
  if (streamJsonl) lines.end();
  if (out.killedBy) {
    return sandboxDetails(spec, noted(out, killedOutcome(out.killedBy, p.section)), net.denied);
  }
  if (endedAtDeadline(out, spec, p.section)) {
    // The hard deadline's SIGKILL ended it: this runner could not stop it in time.
    return sandboxDetails(
      spec,
      noted(out, killedOutcome("timeout_seconds", p.section)),
      net.denied,
    );
  }
  if (out.spawnError) {
    return {
      status: "failed",
      summary: `Cannot start command "${argv[0]}": ${out.spawnError}`,
      details: { argv },
      error: {
        kind: "task_failed",
        message: `Cannot start command "${argv[0]}": ${out.spawnError}`,
        hint: "Check that the command exists on PATH (docket doctor checks it)",
      },
      retryable: false,
    };
  }
  const okCodes = (p.section.success_exit_codes as number[] | undefined) ?? [0];
  const code = out.code ?? -1;
  const details: Record<string, unknown> = {
    argv,
    exit_code: out.code,
    stdout: stdoutTail.text(),
    stderr: stderrTail.text(),
  };
  if (stdoutTail.total > TAIL) details.stdout_truncated = true;
  if (stderrTail.total > TAIL) details.stderr_truncated = true;
  Object.assign(details, childNotes(out));
  let parseError: string | undefined;
  if (streamJsonl) {
    Object.assign(details, eventDetails(sink.recent, sink.count));
    if (badLine !== undefined) parseError = `stdout line is not a JSON object: ${badLine}`;
  } else {
    const all = new Uint8Array(fullSize);
    let off = 0;
    for (const c of full) {
      all.set(c, off);
      off += c.length;
    }
    const parsed = parseFinalOutput(format, dec.decode(all), truncated);
    Object.assign(details, parsed.details);
    parseError = parsed.error;
    if (parsed.details.format === "jsonl" && Array.isArray(parsed.details.events)) {
      for (const ev of parsed.details.events as Record<string, unknown>[]) {
        sink.push({ timestamp: nowIso(), event_type: eventTypeOf(ev), event: ev });
      }
    }
  }
  const success = okCodes.includes(code);
  if (success && !parseError) {
    const lastOut = lastLine(stdoutTail.text());
    return sandboxDetails<AttemptOutcome>(spec, {
      status: p.dryRun ? "dry_run" : "succeeded",
      summary: `${argv[0]} exited ${code}${
        lastOut && format === "text" ? `: ${lastOut.slice(0, 200)}` : ""
      }`,
      details,
      error: null,
      retryable: false,
    }, net.denied);
  }
  const why = !success
    ? `${argv[0]} exited with code ${code}${
      lastLine(stderrTail.text()) ? `: ${lastLine(stderrTail.text()).slice(0, 200)}` : ""
    }`
    : parseError!;
  return sandboxDetails(
    spec,
    { ...failed(why, "task_failed", details), retryable: !success },
    net.denied,
  );
}
