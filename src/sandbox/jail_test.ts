import assert from "node:assert/strict";
import { jailArgs, type JailInput } from "./jail.ts";

const base: JailInput = {
  network: "none",
  writeAll: false,
  writable: ["/tmp/docket-run-1"],
  readable: ["/usr/bin/rsync"],
  masks: ["/tmp", "/run", "/tmp/x", "/home/u/.docket"],
  privateDirs: ["/home/u/.docket/logs", "/home/u/.docket/tasks"],
  privateFiles: ["/home/u/.docket/state.db", "/etc/docket.yaml"],
  cwd: "/tmp/docket-run-1",
};

function pairs(args: string[], flag: string): string[] {
  const out: string[] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args[i + 1]!);
  });
  return out;
}

Deno.test("jail: root read-only, masks once each, own namespaces, cwd and the separator last", () => {
  const a = jailArgs(base);
  assert.deepEqual(a.slice(0, 3), ["--ro-bind", "/", "/"]);
  assert.deepEqual(pairs(a, "--tmpfs"), ["/tmp", "/run", "/home/u/.docket"]);
  assert.ok(a.includes("--unshare-net") && a.includes("--unshare-pid"));
  assert.ok(a.includes("--die-with-parent"));
  assert.deepEqual(a.slice(-3), ["--chdir", "/tmp/docket-run-1", "--"]);
  assert.deepEqual(pairs(a, "--bind"), ["/tmp/docket-run-1"]);
  // rsync is not under a mask: visible through the read-only root, no extra mount
  assert.ok(!a.includes("/usr/bin/rsync"));
  // a private file outside every mask is hidden behind /dev/null
  assert.ok(a.join(" ").includes("--ro-bind /dev/null /etc/docket.yaml"));
});

Deno.test("jail: a grant that contains docket's files gets them hidden again on top of it", () => {
  const a = jailArgs({
    ...base,
    masks: ["/tmp", "/run", "/tmp/h"],
    privateDirs: ["/tmp/h/logs", "/tmp/h/tasks"],
    privateFiles: ["/tmp/h/state.db"],
    writable: ["/tmp/docket-run-1", "/tmp/h/tasks/out"],
    readable: ["/tmp/h"],
  });
  const s = a.join(" ");
  // the write grant inside a private folder is not honoured
  assert.ok(!pairs(a, "--bind").includes("/tmp/h/tasks/out"), s);
  // the read grant holds the whole home: its private parts are re-hidden after it
  const grant = s.indexOf("--ro-bind-try /tmp/h /tmp/h");
  assert.ok(grant > 0, s);
  assert.ok(s.indexOf("--tmpfs /tmp/h/logs") > grant, s);
  assert.ok(s.indexOf("--ro-bind /dev/null /tmp/h/state.db") > grant, s);
});

Deno.test("jail: the task's module inside tasks_dir is bound after the private mounts", () => {
  const a = jailArgs({ ...base, module: "/home/u/.docket/tasks/t.ts", readable: ["/home/u"] });
  const s = a.join(" ");
  assert.ok(
    s.lastIndexOf("--tmpfs /home/u/.docket/tasks") < s.indexOf("/home/u/.docket/tasks/t.ts"),
  );
});

Deno.test("jail: host network, write-anywhere and the in-jail deadline", () => {
  const a = jailArgs({
    ...base,
    network: "host",
    writeAll: true,
    deadline: { timeout: "/usr/bin/timeout", seconds: 6.5 },
  });
  assert.ok(!a.includes("--unshare-net"));
  assert.deepEqual(a.slice(0, 3), ["--bind", "/", "/"]);
  assert.deepEqual(a.slice(-6), ["--", "/usr/bin/timeout", "--foreground", "-s", "KILL", "7s"]);
});
