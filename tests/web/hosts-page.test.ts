/**
 * The web view in a real browser against real host processes on loopback: the page loads
 * without console errors and offers the bundled guests; a VM started from the page shows in
 * its host's table with its console; a migration started from the page (to a second host,
 * added in the page) fills the page map until every page is sent, and its final statistics
 * are those `query-migrate` gives; a 64 MiB guest's 16,384-cell map is drawn while it
 * migrates, and the frame rate over that stretch is written to the artifacts.
 */
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ControlClient } from "../../vmm/host/client.js";
import { requireBuild, startHost, tempFolder, type TestHost } from "../host/helpers.js";
import { artifacts, browserPath, launch, NO_BROWSER, openPage, screenshot } from "./browser.js";

const MEMWRITER = resolve("programs/memwriter.s");

interface ViewHost {
  process: TestHost;
  client: ControlClient;
  /** HOST:PORT of its view. */
  view: string;
}

async function viewHost(dir: string, name: string): Promise<ViewHost> {
  const process = await startHost(
    ["--name", name, "--speed", "400k", "--migrate-listen", "0", "--http", "0"],
    join(dir, `${name}.sock`),
  );
  const view = /view on http:\/\/([^/]+)\//.exec(process.stdout)?.[1];
  if (!view) throw new Error(`no view address in ${JSON.stringify(process.stdout)}`);
  const client = await ControlClient.connect({ kind: "unix", path: process.socket });
  return { process, client, view };
}

if (!browserPath) console.warn(NO_BROWSER);

describe.skipIf(!browserPath)("the web view of real hosts, in Chromium", () => {
  let a: ViewHost;
  let b: ViewHost;
  let browser: Browser;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    requireBuild();
    const dir = tempFolder();
    [a, b, browser] = await Promise.all([viewHost(dir, "a"), viewHost(dir, "b"), launch()]);
    ({ page, errors } = await openPage(browser, `http://${a.view}/`));
  });
  afterAll(async () => {
    await browser?.close();
    for (const host of [a, b]) host?.client.close();
    await Promise.all([a, b].map((host) => host?.process.stop()));
  });

  const card = (host: string) => page.locator(`article.host[data-host="${host}"]`);

  it("loads without console errors and offers the bundled guests", async () => {
    await card("a").waitFor();
    const offered = await card("a")
      .locator("datalist option")
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
    expect(offered).toEqual(expect.arrayContaining(["multi", "solo", "threads"]));
    expect(errors).toEqual([]);
  });

  it("starts a VM from the page and shows it with its console", async () => {
    const form = card("a").locator("form.start");
    await form.locator("input[name=guest]").fill("multi");
    await form.locator("button[type=submit]").press("Enter");
    const row = card("a").locator('tr[data-vm="multi"]');
    await row.waitFor();
    // From the keyboard: each control is a button that takes focus and Enter.
    await row.locator('button[data-action="console"]').press("Enter");
    await page.locator(".console pre").filter({ hasText: "pid 1" }).waitFor();
    await screenshot(page, "hosts");
  });

  it("pauses and resumes a VM from the page", async () => {
    await a.client.call("vm-create", { guest: MEMWRITER, name: "steady", args: "pages=16 rate=20000 iters=1000000" });
    const row = card("a").locator('tr[data-vm="steady"]');
    const state = async () => (await a.client.call("query-vms", {})).find((vm) => vm.name === "steady")?.state;
    await row.locator('button[data-action="pause"]').press("Enter");
    await expect.poll(state).toBe("paused");
    await row.and(page.locator('[data-state="paused"]')).waitFor();
    await row.locator('button[data-action="resume"]').press("Enter");
    await expect.poll(state).toBe("running");
    await a.client.call("vm-destroy", { vm: "steady" });
  });

  it("migrates a VM from the page until every page is sent, with query-migrate's final statistics", async () => {
    await page.locator("#add-host input[name=address]").fill(b.view);
    await page.locator("#add-host button").click();
    await card("b").waitFor();
    await a.client.call("vm-create", { guest: MEMWRITER, name: "writer", args: "pages=64 rate=20000 iters=1000000" });
    const row = card("a").locator('tr[data-vm="writer"]');
    await row.locator('button[data-action="console"]').click();
    await row.locator('button[data-action="migrate"]').click();
    const form = card("a").locator("form.migrate");
    await form.locator("select[name=vm]").selectOption("writer");
    await form.locator("select[name=to]").selectOption("b");
    await form.locator("input[name=bandwidth]").fill("0.5");
    await form.locator("button[type=submit]").click();
    const view = page.locator('.migration[data-vm="writer"]');
    await view.waitFor();
    await page.waitForFunction(
      `document.querySelector(".migration")?.getAttribute("data-pages")?.split("/")[0] !== "0"`,
    );
    await screenshot(page, "migrating");
    await view.and(page.locator("[data-ended]")).waitFor({ timeout: 30_000 });
    expect(await view.getAttribute("data-ended")).toBe("completed");
    const [sent, all] = (await view.getAttribute("data-pages"))!.split("/");
    expect(sent).toBe(all);
    const info = await a.client.call("query-migrate", { vm: "writer" });
    const shown = await view
      .locator("td[data-stat]")
      .evaluateAll((cells) =>
        Object.fromEntries(cells.map((c) => [c.getAttribute("data-stat"), c.getAttribute("data-value")])),
      );
    const s = info.stats as Record<string, unknown>;
    expect(shown).toEqual({
      status: "completed",
      strategy: "pre-copy",
      rounds: String(info.round),
      transferredBytes: String(info.transferredBytes),
      downtimeNs: String(info.downtimeNs),
      elapsedNs: String(info.elapsedNs),
      pagesSent: String(s.pagesSent),
      pagesResent: String(s.pagesResent),
      zeroPages: String(s.zeroPages),
      postcopyRequests: String(s.postcopyRequests),
      bytesSent: String(s.bytesSent),
    });
    // The console followed the VM to b.
    await page.locator('.console[data-host="b"]').waitFor();
    await screenshot(page, "migrated");
    expect(errors).toEqual([]);
  });

  it("draws a 64 MiB guest's 16,384 pages while it migrates, and measures the frame rate", async () => {
    await a.client.call("vm-create", {
      guest: MEMWRITER,
      name: "big",
      memory: 64 << 20,
      args: "pages=2048 rate=2000 iters=1000000",
    });
    await page.waitForTimeout(300);
    const samples: number[] = [];
    const sampling = setInterval(
      () =>
        void page.evaluate("Number(document.body.dataset.fps ?? 0)").then(
          (fps) => samples.push(Number(fps)),
          () => {},
        ),
      250,
    );
    const slot = await b.client.call("migrate-incoming", { vm: "big" });
    await a.client.call("migrate", {
      vm: "big",
      to: slot.address,
      token: slot.token,
      strategy: "pre-copy",
      bandwidth: 8_000_000,
    });
    const view = page.locator('.migration[data-vm="big"]');
    await view.and(page.locator("[data-ended]")).waitFor({ timeout: 40_000 });
    clearInterval(sampling);
    expect(await view.getAttribute("data-pages")).toBe("16384/16384");
    await screenshot(page, "migrated-64mib");
    const measured = samples.filter((fps) => fps > 0);
    expect(measured.length).toBeGreaterThan(0);
    const figures = {
      samples: measured.length,
      minFps: Math.min(...measured),
      meanFps: Math.round(measured.reduce((n, f) => n + f, 0) / measured.length),
    };
    writeFileSync(join(artifacts, "frame-rate.json"), JSON.stringify(figures, null, 2) + "\n");
    console.log(`page map of 16,384 pages during a migration: ${JSON.stringify(figures)}`);
    expect(errors).toEqual([]);
  });
});
