/**
 * The experiments browser in Chromium: a results directory of `toyvmm experiment --out`,
 * offered by `toyvmm migrate … --view --results DIR`, shows its table (sortable, filtered by
 * `column=value`) and renders its vega-lite plots; a point replayed from its row fills the
 * page map to all-sent with the statistics its row in results.csv has. The same directory
 * opened with the folder picker of a host's view shows its table and plots too.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAIN, requireBuild, runProgram, startHost, tempFolder, waitFor } from "../host/helpers.js";
import { browserPath, launch, NO_BROWSER, openPage, screenshot } from "./browser.js";

const MEMWRITER = resolve("programs/memwriter.s");
const ARGS = "pages=64 rate=100 iters=0";

if (!browserPath) console.warn(NO_BROWSER);

describe.skipIf(!browserPath)("the experiments browser, in Chromium", () => {
  const dir = tempFolder();
  const results = join(dir, "results");
  let child: ChildProcess;
  let browser: Browser;
  let url = "";

  beforeAll(async () => {
    requireBuild();
    const spec = {
      name: "tiny",
      guest: MEMWRITER,
      base: {
        "args.pages": 64,
        "args.iters": 0,
        "args.rate": 100,
        memory: "1MiB",
        bandwidth: "10MB/s",
        latency: "100us",
        "downtime-target": "2ms",
        at: 2_600_000,
      },
      sweep: { strategy: ["pre-copy", "post-copy"] },
    };
    writeFileSync(join(dir, "tiny.json"), JSON.stringify(spec));
    const run = await runProgram(["experiment", join(dir, "tiny.json"), "--out", results], 60_000);
    if (run.code !== 0) throw new Error(run.stderr);
    let stderr = "";
    child = spawn(
      process.execPath,
      [
        MAIN,
        "migrate",
        MEMWRITER,
        "--args",
        ARGS,
        "--memory",
        "1MiB",
        "--at",
        "2600000",
        "--max-ticks",
        "3000000",
        "--view",
        "0",
        "--pace",
        "100",
        "--results",
        results,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => /view on (http:\S+\/):/.test(stderr) || child.exitCode !== null, "the view to listen", 30_000);
    url = /view on (http:\S+\/):/.exec(stderr)?.[1] ?? "";
    if (!url) throw new Error(`no view: ${stderr}`);
    browser = await launch();
  });
  afterAll(async () => {
    await browser?.close();
    if (child?.exitCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
    }
  });

  const rowsShown = (page: Page) =>
    page.locator(".results-table tbody tr").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-point")));

  it("shows the table, sorts and filters it, renders the plots, and replays a point", async () => {
    const { page, errors } = await openPage(browser, url);
    await page.locator('button.tab[data-tab="experiments"]').click();
    await page.locator(".results-table tbody tr").first().waitFor();
    expect(await rowsShown(page)).toEqual(["0", "1"]);
    const byStrategy = page.locator(".results-table th button", { hasText: /^strategy$/ });
    await byStrategy.click();
    expect(await rowsShown(page)).toEqual(["1", "0"]); // post-copy before pre-copy
    await byStrategy.click();
    expect(await rowsShown(page)).toEqual(["0", "1"]);
    expect(await page.locator('.results-table th[aria-sort="descending"]').textContent()).toBe("strategy");
    await page.locator(".results-table th button", { hasText: /^point$/ }).click();
    await page.locator(".results input[type=search]").fill("strategy=post-copy");
    expect(await rowsShown(page)).toEqual(["1"]);
    await page.locator("figure[data-rendered] svg").first().waitFor();
    const specs = readdirSync(results).filter((f) => f.endsWith(".vl.json"));
    await expect.poll(() => page.locator("figure[data-rendered] svg").count()).toBe(specs.length);
    expect(specs.length).toBeGreaterThanOrEqual(2);
    await screenshot(page, "experiments");

    await page.locator('tr[data-point="1"] button[data-action="replay"]').click();
    const view = page.locator('.migration[data-vm="memwriter"]').first();
    await view.and(page.locator('[data-ended="completed"]')).waitFor({ timeout: 30_000 });
    const [sent, all] = (await view.getAttribute("data-pages"))!.split("/");
    expect(sent).toBe(all);
    expect(await view.locator('td[data-stat="strategy"]').getAttribute("data-value")).toBe("post-copy");
    const csv = readFileSync(join(results, "results.csv"), "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(","));
    const point = Object.fromEntries(csv[0]!.map((name, i) => [name, csv[2]![i]]));
    expect(await view.locator('td[data-stat="pagesSent"]').getAttribute("data-value")).toBe(point.pages_sent);
    expect(await view.locator('td[data-stat="bytesSent"]').getAttribute("data-value")).toBe(point.bytes_sent);
    expect(await view.locator('td[data-stat="downtimeNs"]').getAttribute("data-value")).toBe(point.downtime_ns);
    await screenshot(page, "experiment-replay");
    expect(errors).toEqual([]);
  });

  it("opens the same directory from a host's view with the folder picker", async () => {
    const host = await startHost(["--http", "0"]);
    try {
      const view = /view on (http:\S+\/)/.exec(host.stdout)![1]!;
      const { page, errors } = await openPage(browser, view);
      await page.locator('button.tab[data-tab="experiments"]').click();
      await page.locator('input[type="file"]').setInputFiles(results);
      await page.locator(".results-table tbody tr").first().waitFor();
      expect(await rowsShown(page)).toEqual(["0", "1"]);
      expect(await page.locator("button[data-action=replay]").count()).toBe(0);
      await page.locator("figure[data-rendered] svg").first().waitFor();
      expect(errors).toEqual([]);
    } finally {
      await host.stop();
    }
  });
});
