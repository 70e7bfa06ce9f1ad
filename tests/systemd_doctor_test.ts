/** `docket doctor` on installed units: systemd's exposure score and drift from the config. */
import assert from "node:assert/strict";
import { withHome } from "./helpers.ts";

const CONFIG = (network: boolean) =>
  `tasks:
  nightly:
    type: command
    command: ["true"]
    network: ${network}
    schedule: "@daily"
`;

interface CheckJson {
  name: string;
  status: string;
  message: string;
  hint?: string;
}

Deno.test("doctor prints each installed unit's exposure and flags a unit the config has outgrown", async () => {
  await withHome(async (h) => {
    const env = { XDG_CONFIG_HOME: `${h.dir}/xdg` };
    h.config(CONFIG(false));
    const inst = await h.run(["--json", "install"], { env });
    assert.equal(inst.code, 0, inst.stderr);
    const unit = (checks: CheckJson[]) =>
      checks.find((c) => c.name === "unit docket-nightly.service");
    const fresh = unit((await h.run(["--json", "doctor"], { env })).json.checks);
    assert.equal(fresh?.status, "ok", JSON.stringify(fresh));
    assert.match(fresh!.message, /^exposure \d\.\d OK \(systemd-analyze security\)$/);
    // The task now declares the network: the installed unit (PrivateNetwork=yes) is stale.
    h.config(CONFIG(true));
    const stale = unit((await h.run(["--json", "doctor"], { env })).json.checks);
    assert.equal(stale?.status, "warn");
    assert.match(stale!.message, /differs from what docket install writes now/);
    assert.match(stale!.hint!, /^Run docket install nightly again/);
    // A unit whose task is gone.
    h.config("tasks: {}\n");
    const gone = unit((await h.run(["--json", "doctor"], { env })).json.checks);
    assert.equal(gone?.status, "warn");
    assert.match(gone!.message, /runs a task that no longer exists/);
    const human = await h.run(["doctor"], { env });
    assert.match(human.stdout, /^unit docket-nightly\.service +warn +/m);
  });
});
