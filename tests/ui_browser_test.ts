/**
 * `docket ui` in a real headless Chromium (Debian's `chromium`, driven by playwright-core,
 * which downloads no browser): the overview, a task, a run started with the token whose log
 * lines arrive live, a cancel, a request without the token refused. Saves screenshots of the
 * three pages to docs/screenshots/. Skipped, saying so, only where Chromium cannot start.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { Home } from "./helpers.ts";
import { startUi } from "./ui_helpers.ts";
import { fillHistory } from "../bench/history.ts";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = new URL("../docs/screenshots/", import.meta.url).pathname;
const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function launch() {
  try {
    return await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  } catch (e) {
    console.log(
      `SKIP tests/ui_browser_test.ts: Chromium cannot start here (${
        (e as Error).message.split("\n")[0]
      }); install it with \`apt-get install -y chromium\``,
    );
    return null;
  }
}

const browser = await launch();

const SLOW = `["sh", "-c", "for i in $(seq 1 25); do echo tick $i; sleep 0.25; done"]`;

Deno.test({
  name: "ui in Chromium: overview → task → run with the token, live log, cancel, no token refused",
  ignore: browser === null,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const h = new Home();
    h.config(`tasks:
  slow:
    type: command
    description: "Prints 25 ticks, a quarter second apart"
    command: ${SLOW}
  nightly-0:
    type: command
    description: "Nightly export"
    command: ["true"]
    schedule: "30 2 * * *"
  nightly-1:
    type: command
    description: "Rotate archives"
    command: ["true"]
    schedule: "0 4 * * 1"
  greet:
    type: command
    command: ["echo", "hello"]
`);
    await h.run(["--json", "status"]);
    fillHistory(h.stateDb, { runs: 400, tasks: 2, taskPrefix: "nightly-" });
    await h.run(["--json", "run", "greet"]);
    const ui = await startUi(h);
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    try {
      await page.goto(`${ui.url}#token=${ui.token}`);
      await page.waitForSelector("table.tasks");
      const overview = await page.textContent("table.tasks");
      for (const t of ["slow", "nightly-0", "greet", "backup"]) assert.ok(overview!.includes(t), t);
      assert.ok(await page.isVisible("#token"), "the token field shows when actions are allowed");

      await page.click('a[href="/tasks/nightly-0"]');
      await page.waitForSelector("svg.chart");
      assert.ok((await page.locator("svg.chart rect.outlier").count()) > 0, "outliers marked");
      await page.screenshot({ path: `${SHOTS}task.png`, fullPage: true });

      // Start a run with the token (kept from the URL's fragment) and watch its log live.
      await page.goto(`${ui.url}tasks/slow`);
      await page.evaluate(() => ((globalThis as any).__sameDocument = 1));
      await page.click("button[data-run]:not([data-dry])");
      await page.waitForURL(/\/runs\//);
      await page.evaluate(() => ((globalThis as any).__sameDocument = 2));
      await page.locator("#log", { hasText: "tick 3" }).waitFor();
      // The overview while it runs: on top, with its elapsed time.
      const other = await ctx.newPage();
      await other.goto(ui.url);
      assert.match((await other.textContent("table.running"))!, /slow/);
      await other.screenshot({ path: `${SHOTS}overview.png`, fullPage: true });
      await other.close();
      assert.match(
        (await page.textContent("#run-status"))!,
        /running/,
        "lines arrive while it runs",
      );
      await page.locator("#run-status", { hasText: "succeeded" }).waitFor({ timeout: 30000 });
      assert.equal(await page.evaluate(() => (globalThis as any).__sameDocument), 2, "no reload");
      assert.ok((await page.textContent("#log"))!.includes("tick 25"));
      await page.locator("#sec-details", { hasText: "exit_code" }).waitFor(); // swapped in
      await page.screenshot({ path: `${SHOTS}run.png`, fullPage: true });

      // Cancel one.
      await page.goto(`${ui.url}tasks/slow`);
      await page.click("button[data-run]:not([data-dry])");
      await page.waitForURL(/\/runs\//);
      await page.locator("#log", { hasText: "tick 2" }).waitFor();
      await page.click("button[data-cancel]");
      await page.locator("#run-status", { hasText: "cancelled" }).waitFor({ timeout: 30000 });
      assert.ok(!(await page.textContent("#log"))!.includes("tick 25"), "stopped early");

      // Without the token: refused, and the page says why.
      const status = await page.evaluate(async () =>
        (await fetch("/api/tasks/greet/run", { method: "POST", body: "{}" })).status
      );
      assert.equal(status, 403);
      await page.evaluate(() => sessionStorage.clear());
      await page.goto(`${ui.url}tasks/greet`);
      await page.fill("#token", "");
      await page.click("button[data-run]:not([data-dry])");
      await page.locator("#action-result", { hasText: "X-Docket-Token" }).waitFor();
      const runs = (await h.run(["--json", "runs", "greet"])).json.runs;
      assert.equal(runs.length, 1, "the refused click started nothing");
    } finally {
      await ctx.close();
      await ui.stop();
      h.cleanup();
    }
  },
});

globalThis.addEventListener("unload", () => {
  browser?.close();
});
