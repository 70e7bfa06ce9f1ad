import { deepStrictEqual as assertEquals, ok } from "node:assert/strict";
import { DocketError } from "../core/errors.ts";
import { nextStepsFor, renderUnits, type UnitOptions } from "./units.ts";

const base: UnitOptions = {
  taskName: "health-check",
  docketArgv: ["/usr/local/bin/deno", "run", "-A", "/opt/docket/main.ts"],
  workingDirectory: "/var/lib/docket",
  schedule: "*/15 * * * *",
  network: true,
  directives: [],
  scope: "user",
};

function thrown(fn: () => unknown): DocketError {
  try {
    fn();
  } catch (err) {
    ok(err instanceof DocketError, `expected a DocketError, got ${err}`);
    return err;
  }
  throw new Error("expected an error, nothing was thrown");
}

Deno.test("renderUnits writes a minimal user service and timer", () => {
  const r = renderUnits(base);
  assertEquals(r.serviceName, "docket-health-check.service");
  assertEquals(r.timerName, "docket-health-check.timer");
  assertEquals(
    r.service,
    `[Unit]
Description=docket task health-check

[Service]
Type=oneshot
ExecStart=/usr/local/bin/deno run -A /opt/docket/main.ts --json run health-check
WorkingDirectory=/var/lib/docket
`,
  );
  assertEquals(
    r.timer,
    `[Unit]
Description=Schedule of docket task health-check (*/15 * * * *)

[Timer]
OnCalendar=*-*-* *:00/15:00
Persistent=true
AccuracySec=1s

[Install]
WantedBy=timers.target
`,
  );
});

Deno.test("renderUnits writes the given directives in order and one OnCalendar= per day rule", () => {
  const r = renderUnits({
    ...base,
    docketArgv: ["/home/u/.deno/bin/docket"],
    docketHome: "/var/lib/docket",
    denoDir: "/var/cache/deno",
    schedule: "30 4 1,15 * 5",
    randomizedDelaySeconds: 30,
    network: false,
    directives: [
      { directive: "TimeoutStartSec", value: "360", reason: "r" },
      { directive: "SystemCallFilter", value: "@system-service", reason: "r" },
      { directive: "SystemCallFilter", value: "~@swap", reason: "r" },
    ],
    scope: "system",
    description: "Disk and memory 90% check",
  });
  assertEquals(
    r.service,
    `[Unit]
Description=docket task health-check: Disk and memory 90%% check

[Service]
Type=oneshot
ExecStart=/home/u/.deno/bin/docket --json run health-check
WorkingDirectory=/var/lib/docket
Environment=DOCKET_HOME=/var/lib/docket
Environment=DENO_DIR=/var/cache/deno
TimeoutStartSec=360
SystemCallFilter=@system-service
SystemCallFilter=~@swap
`,
  );
  assertEquals(
    r.timer,
    `[Unit]
Description=Schedule of docket task health-check (30 4 1,15 * 5)

[Timer]
OnCalendar=Fri *-*-* 04:30:00
OnCalendar=*-*-01,15 04:30:00
Persistent=true
AccuracySec=1s
RandomizedDelaySec=30s

[Install]
WantedBy=timers.target
`,
  );
});

Deno.test("a system service that needs the network waits for it; a user service cannot", () => {
  const { service } = renderUnits({ ...base, scope: "system", network: true });
  ok(service.includes("Wants=network-online.target\nAfter=network-online.target\n"));
  ok(!renderUnits({ ...base, network: true }).service.includes("network-online"));
});

Deno.test("ExecStart quotes arguments by systemd rules", () => {
  const { service } = renderUnits({
    ...base,
    taskName: "t",
    docketArgv: [
      "/opt/my tools/50%/docket$",
      "a b",
      "100%",
      "$HOME",
      'q"x',
      "back\\slash",
      "",
      ";",
    ],
    docketHome: "/srv/my home/%h",
    workingDirectory: "/srv/a%b c",
  });
  const line = (key: string) => service.split("\n").find((l) => l.startsWith(`${key}=`));
  assertEquals(
    line("ExecStart"),
    String
      .raw`ExecStart="/opt/my tools/50%%/docket$" "a b" 100%% "$$HOME" "q\"x" "back\\slash" "" ";" --json run t`,
  );
  assertEquals(line("Environment"), `Environment="DOCKET_HOME=/srv/my home/%%h"`);
  assertEquals(line("WorkingDirectory"), "WorkingDirectory=/srv/a%%b c");
});

Deno.test("DOCKET_CONFIG is passed to the service after DOCKET_HOME, quoted like it", () => {
  const { service } = renderUnits({
    ...base,
    docketHome: "/srv/docket",
    docketConfig: "/etc/docket/my 100%.yaml",
  });
  ok(service.includes(
    'Environment=DOCKET_HOME=/srv/docket\nEnvironment="DOCKET_CONFIG=/etc/docket/my 100%%.yaml"\n',
  ));
  ok(!renderUnits(base).service.includes("DOCKET_CONFIG"));
});

const CONTROL =
  "the working directory, DOCKET_HOME, DOCKET_CONFIG or DENO_DIR contains control characters";

Deno.test("renderUnits rejects what cannot become a unit", () => {
  const cases: [Partial<UnitOptions>, string][] = [
    [{ docketArgv: ["docket"] }, 'the docket binary "docket" is not an absolute path'],
    [{ docketArgv: [] }, 'the docket binary "" is not an absolute path'],
    [
      { docketArgv: ['/opt/"x"/docket'] },
      'the docket binary "/opt/"x"/docket" contains quotes, backslashes or control characters',
    ],
    [{ workingDirectory: "srv" }, 'the working directory "srv" is not an absolute path'],
    [{ docketHome: "/a\nExecStartPre=/bin/evil" }, CONTROL],
    [{ docketConfig: "/a\rb" }, CONTROL],
    [{ denoDir: "/a\nb" }, CONTROL],
    [{ randomizedDelaySeconds: -1 }, "the randomized delay -1 is out of range (at least 0)"],
    [
      { directives: [{ directive: "UMask", value: "0077\nExecStartPre=/x", reason: "" }] },
      'the directive "UMask" is malformed',
    ],
  ];
  for (const [patch, why] of cases) {
    const err = thrown(() => renderUnits({ ...base, ...patch }));
    assertEquals(err.kind, "config_invalid");
    assertEquals(err.message, `Cannot generate systemd units for task "health-check": ${why}`);
  }
  const err = thrown(() => renderUnits({ ...base, taskName: "a b" }));
  assertEquals(
    err.message,
    'Cannot generate systemd units for task "a b": the name is not usable in a unit name',
  );
  assertEquals(
    thrown(() => renderUnits({ ...base, schedule: "@reboot" })).message,
    'Cannot convert schedule "@reboot": "@reboot" has no calendar form',
  );
});

Deno.test("nextStepsFor lists the systemctl commands, with linger for user units", () => {
  assertEquals(nextStepsFor("user", ["docket-a.timer", "docket-b.timer"]), [
    "systemctl --user daemon-reload",
    "systemctl --user enable --now docket-a.timer docket-b.timer",
    "loginctl enable-linger $USER",
  ]);
  assertEquals(nextStepsFor("system", ["docket-a.timer"]), [
    "systemctl daemon-reload",
    "systemctl enable --now docket-a.timer",
  ]);
  assertEquals(nextStepsFor("system", []), ["systemctl daemon-reload"]);
});
