/**
 * ProtectProc=invisible and lost-run detection: inside the unit's emulated envelope (a
 * hidepid=invisible /proc, see tests/unit_envelope.ts), docket still sees a live runner of
 * the same user and does not mark its run lost. Measured: group 0 sees every pid under
 * hidepid, so it hides nothing from a root unit; a run_as user's unit cannot see root's runs.
 */
import assert from "node:assert/strict";
import { Home, until } from "./helpers.ts";
import { varBase } from "./systemd_fixture.ts";
import { runInEnvelope, serviceLines, words } from "./unit_envelope.ts";

const visibility = (...pids: number[]) =>
  `for p in ${pids.join(" ")}; do test -e /proc/$p && echo "$p visible" || echo "$p hidden"; done`;

Deno.test("ProtectProc=invisible: a live runner stays visible and running; hidepid hides root's runs only from other users", async () => {
  const base = varBase();
  const other = new Deno.Command("setpriv", {
    args: ["--reuid", "65534", "--regid", "65534", "--clear-groups", "sleep", "60"],
    stdin: "null",
  }).spawn();
  const h = new Home(base);
  const runner = (() => {
    h.config(`tasks:
  slow:
    type: command
    command: ["sleep", "60"]
    network: false
    schedule: "@daily"
`);
    return h.spawn(["--json", "run", "slow"]);
  })();
  try {
    const dir = `${base}/units`;
    const inst = await h.run(["--json", "install", "--system", "--dir", dir]);
    assert.equal(inst.code, 0, inst.stderr);
    const unit = Deno.readTextFileSync(`${dir}/docket-slow.service`);
    assert.match(unit, /^ProtectProc=invisible$/m);
    let pid = 0;
    await until(
      async () => {
        const r = (await h.run(["--json", "runs", "slow", "--limit", "1"])).json.runs[0];
        pid = r?.status === "running" ? r.pid ?? 0 : 0;
        return pid > 0;
      },
      20000,
      "the slow run to start",
    );
    // docket status inside the unit's view: the same docket, `status` instead of `run`.
    const argv = words(serviceLines(unit).get("ExecStart")![0]!).slice(0, -2);
    const inside = await runInEnvelope(unit, [...argv, "status", "slow"]);
    assert.equal(inside.code, 0, inside.stderr);
    assert.equal(JSON.parse(inside.stdout).last_run.status, "running");
    // The kernel lets group 0 see every pid under hidepid (the mount's default gid): a root
    // unit sees other users' processes too. A run_as user's unit does not see root's.
    const seen = await runInEnvelope(unit, ["sh", "-c", visibility(pid, other.pid)]);
    assert.equal(seen.stdout, `${pid} visible\n${other.pid} visible\n`, seen.stderr);
    const asUser = await new Deno.Command("unshare", {
      args: [
        "-m",
        "--propagation",
        "private",
        "sh",
        "-c",
        'mount -t proc -o hidepid=invisible proc /proc && exec "$@"',
        "sh",
        ...["setpriv", "--reuid", "1000", "--regid", "1000", "--clear-groups"],
        ...["sh", "-c", visibility(pid)],
      ],
      stdout: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(asUser.stdout), `${pid} hidden\n`);
    // Outside, the run is still running (nothing marked it lost).
    assert.equal((await h.run(["--json", "status", "slow"])).json.last_run.status, "running");
  } finally {
    try {
      runner.kill("SIGTERM");
    } catch { /* gone */ }
    await runner.output();
    other.kill("SIGKILL");
    await other.status;
    Deno.removeSync(base, { recursive: true });
  }
});
