import { deepStrictEqual as eq, ok } from "node:assert/strict";
import {
  checkDisk,
  checkMemory,
  checkSystemdUnits,
  combine,
  parseDfLine,
  parseIsActive,
} from "./health_checks.ts";

Deno.test("parseDfLine reads POSIX df output, mount points with spaces included", () => {
  eq(
    parseDfLine(
      "Filesystem     1024-blocks     Used Available Capacity Mounted on\n" +
        "/dev/vda         264212084 22845356  83545556      22% /\n",
    ),
    {
      filesystem: "/dev/vda",
      mount: "/",
      size_bytes: 264212084 * 1024,
      used_bytes: 22845356 * 1024,
      available_bytes: 83545556 * 1024,
      used_pct: 21.5,
    },
  );
  eq(
    parseDfLine(
      "Filesystem 1024-blocks Used Available Capacity Mounted on\nmy fs 100 50 50 50% /mnt/my disk\n",
    )
      ?.mount,
    "/mnt/my disk",
  );
  eq(parseDfLine("df: /nope: No such file or directory\n"), undefined);
});

Deno.test("checkDisk against the real df: 0% threshold fails, 100% passes", async () => {
  const low = await checkDisk(["/"], 0);
  eq(low.status, "failed");
  ok(low.paths[0]!.used_pct! > 0);
  const high = await checkDisk(["/"], 100);
  eq(high.status, "passed");
  eq(high.paths[0]!.mount, "/");
});

Deno.test("checkDisk: a path that does not exist is unavailable, with df's reason", async () => {
  const r = await checkDisk(["/", "/docket/no/such/path"], 100);
  eq(r.status, "unavailable");
  eq(r.paths[0]!.status, "passed");
  eq(r.paths[1]!.status, "unavailable");
  ok(/No such file or directory/.test(r.paths[1]!.reason!));
});

Deno.test("checkMemory: used = total − available, against the threshold both ways", () => {
  const info = () => ({
    total: 1000,
    free: 100,
    available: 250,
    buffers: 0,
    cached: 0,
    swapTotal: 0,
    swapFree: 0,
  });
  eq(checkMemory(90, info), {
    status: "passed",
    threshold_pct: 90,
    used_pct: 75,
    total_bytes: 1000,
    available_bytes: 250,
  });
  eq(checkMemory(74.9, info).status, "failed");
  eq(checkMemory(0, () => Deno.systemMemoryInfo()).status, "failed");
  eq(checkMemory(100, () => Deno.systemMemoryInfo()).status, "passed");
});

Deno.test("parseIsActive pairs states with units; anything else is not a state list", () => {
  eq(parseIsActive(["a.service", "b.service"], "active\ninactive\n"), [
    { unit: "a.service", state: "active", status: "passed" },
    { unit: "b.service", state: "inactive", status: "failed" },
  ]);
  eq(parseIsActive(["a.service"], ""), undefined);
  eq(parseIsActive(["a.service"], "System has not been booted with systemd\n"), undefined);
});

Deno.test("checkSystemdUnits: no units is skipped; without a running systemd it is unavailable", async () => {
  eq((await checkSystemdUnits([])).status, "skipped");
  const booted = (() => {
    try {
      return Deno.statSync("/run/systemd/system").isDirectory;
    } catch {
      return false;
    }
  })();
  const r = await checkSystemdUnits(["docket-test-nonexistent.service"]);
  if (booted) {
    eq(r.status, "failed");
  } else {
    eq(r.status, "unavailable");
    ok(/^systemd is not usable here: /.test(r.reason!), r.reason);
  }
});

Deno.test("combine: failed beats unavailable beats passed; all skipped is skipped", () => {
  eq(combine(["passed", "unavailable", "failed"]), "failed");
  eq(combine(["passed", "unavailable"]), "unavailable");
  eq(combine(["passed", "skipped"]), "passed");
  eq(combine(["skipped"]), "skipped");
});
