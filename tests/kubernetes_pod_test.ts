/**
 * The pods docket's manifests describe, run here without a cluster: a small stand-in for the
 * kubelet reads the CronJob's container spec and starts it under bubblewrap — read-only root,
 * the ConfigMap's files bound at their subPaths, emptyDirs as tmpfs, the env (Secret values
 * from a test dict), uid 10001, this checkout as the image's /opt/docket and Deno's cache as
 * its read-only /opt/deno-dir. What this does not cover: a real kubelet, the image build, the
 * CNI (NetworkPolicy), seccomp, and the API server.
 */
import assert from "node:assert/strict";
import { type Home, withHome } from "./helpers.ts";

const ROOT = new URL("../", import.meta.url).pathname.replace(/\/$/, "");
const DENO = Deno.realPathSync(Deno.execPath());

function denoDir(): string {
  const info = new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
    .outputSync();
  return JSON.parse(new TextDecoder().decode(info.stdout)).denoDir;
}

/** Runs the task's pod as its manifest says; returns the exit code and docket's JSON. */
async function runPod(h: Home, task: string, secret: Record<string, string> = {}) {
  const r = await h.run(["--json", "install", "--target", "kubernetes", task]);
  assert.equal(r.code, 0, r.stdout);
  const cm = r.json.manifests.find((o: any) => o.kind === "ConfigMap");
  const cj = r.json.manifests.find((o: any) => o.kind === "CronJob");
  const spec = cj.spec.jobTemplate.spec.template.spec;
  const c = spec.containers[0];
  const files = Deno.makeTempDirSync({ prefix: "docket-cm-" });
  const args = [
    "--unshare-user",
    "--uid",
    String(c.securityContext.runAsUser),
    "--gid",
    String(c.securityContext.runAsGroup),
    "--unshare-pid",
    "--unshare-net",
    "--die-with-parent",
    "--ro-bind",
    "/usr",
    "/usr",
    "--symlink",
    "usr/lib",
    "/lib",
    "--symlink",
    "usr/lib64",
    "/lib64",
    "--symlink",
    "usr/bin",
    "/bin",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // The image: deno on PATH, docket at /opt/docket, its module cache at /opt/deno-dir.
    "--ro-bind",
    DENO,
    "/opt/bin/deno",
    "--ro-bind",
    ROOT,
    "/opt/docket",
    "--ro-bind",
    denoDir(),
    "/opt/deno-dir",
    "--clearenv",
    "--setenv",
    "PATH",
    "/opt/bin:/usr/bin:/bin",
  ];
  const volumes = new Map<string, any>(spec.volumes.map((v: any) => [v.name, v]));
  for (const m of c.volumeMounts) {
    const v = volumes.get(m.name);
    if (v.configMap) {
      assert.equal(v.configMap.name, cm.metadata.name);
      const f = `${files}/${m.subPath}`;
      Deno.writeTextFileSync(f, cm.data[m.subPath]);
      args.push(m.readOnly ? "--ro-bind" : "--bind", f, m.mountPath);
    } else if (v.emptyDir) {
      // A kubelet makes an emptyDir world-writable: so does the stand-in.
      args.push("--perms", "0777", "--tmpfs", m.mountPath);
    } else throw new Error(`volume kind of ${m.name} not emulated`);
  }
  for (const e of c.env) {
    const value = e.value ?? secret[e.valueFrom.secretKeyRef.key];
    if (value !== undefined) args.push("--setenv", e.name, value);
  }
  if (c.securityContext.readOnlyRootFilesystem) args.push("--remount-ro", "/");
  args.push("--chdir", c.workingDir, ...c.command, ...c.args);
  try {
    const out = await new Deno.Command("bwrap", { args, stdout: "piped", stderr: "piped" })
      .output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    let json;
    try {
      json = JSON.parse(stdout);
    } catch {
      throw new Error(`pod printed no JSON (exit ${out.code}):\n${stdout}\n${stderr}`);
    }
    return { code: out.code, json };
  } finally {
    Deno.removeSync(files, { recursive: true });
  }
}

Deno.test("a pod run from the example config's manifest succeeds as uid 10001 on a read-only root", async () => {
  await withHome(async (h) => {
    const example = Deno.readTextFileSync(`${ROOT}/examples/config.yaml`);
    h.config(`tasks_dir: ${ROOT}/examples/tasks\n${example}`);
    const r = await runPod(h, "greet");
    assert.equal(r.code, 0, JSON.stringify(r.json));
    assert.equal(r.json.summary, "Greeted operator");
    // A built-in that execs a program (df) and reads /proc, from the image's /opt/docket.
    const hc = await runPod(h, "health-check");
    assert.equal(hc.code, 0, JSON.stringify(hc.json));
    assert.equal(hc.json.status, "succeeded");
  });
});

Deno.test("in the pod, a permission denial exits 77 (no retry) and the Secret reaches the task", async () => {
  await withHome(async (h) => {
    h.task(
      "sneaky",
      `{ description: "d", run: async () => { await fetch("http://10.0.0.1/"); return { ok: true, summary: "" }; } }`,
    );
    h.task(
      "secretive",
      `{ description: "d", required_env: ["API_TOKEN"], run: () => ({ ok: true, summary: "len " + (Deno.env.get("API_TOKEN") ?? "").length }) }`,
    );
    h.config(
      `tasks:\n  sneaky: { schedule: "0 3 * * *" }\n  secretive: { schedule: "0 4 * * *" }\n`,
    );
    const denied = await runPod(h, "sneaky");
    assert.equal(denied.code, 77);
    assert.equal(denied.json.error.kind, "permission_denied");
    const ok = await runPod(h, "secretive", { API_TOKEN: "abcdefgh" });
    assert.equal(ok.code, 0, JSON.stringify(ok.json));
    assert.equal(ok.json.summary, "len 8");
  });
});

Deno.test("in the pod, only emptyDirs are writable: declared writes work, the root is read-only", async () => {
  await withHome(async (h) => {
    const body = (path: string) =>
      `{ description: "d", destructive: true, writes: ["/data/out"], run: () => { Deno.writeTextFileSync(${
        JSON.stringify(path)
      }, "x"); return { ok: true, summary: "wrote" }; } }`;
    h.task("declared", body("/data/out/f.txt"));
    h.task(
      "anywhere",
      body("/opt/elsewhere.txt").replace(`writes: ["/data/out"], `, ""),
    );
    h.config(
      `tasks:\n  declared: { schedule: "0 3 * * *" }\n  anywhere: { schedule: "0 4 * * *" }\n`,
    );
    const ok = await runPod(h, "declared");
    assert.equal(ok.code, 0, JSON.stringify(ok.json));
    // Deno grants `anywhere` every path; the pod's read-only root still refuses it.
    const refused = await runPod(h, "anywhere");
    assert.equal(refused.code, 1);
    assert.match(JSON.stringify(refused.json), /Read-only file system|os error 30/);
  });
});
