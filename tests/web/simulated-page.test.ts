/**
 * `toyvmm migrate … --view`: a simulated migration replayed in the web view, in Chromium. The
 * page plays it from the start on virtual time at the chosen pace, fills the page map until
 * every page is sent, and ends with the very statistics `toyvmm migrate --json` prints for
 * the same migration (simulated time is exact); the replay refuses to be steered.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { MAIN, requireBuild, runProgram, waitFor } from "../host/helpers.js";
import { browserPath, launch, NO_BROWSER, openPage, screenshot } from "./browser.js";

const MIGRATION = [
  resolve("programs/memwriter.s"),
  "--args",
  "pages=64 rate=20000 iters=40",
  "--at",
  "30000",
  "--strategy",
  "pre-copy",
  "--bandwidth",
  "10MB/s",
  "--speed",
  "3M",
  "--downtime-target",
  "1ms",
];

describe("toyvmm migrate --view", () => {
  let child: ChildProcess;
  let stderr = "";
  let url = "";
  beforeAll(async () => {
    requireBuild();
    child = spawn(process.execPath, [MAIN, "migrate", ...MIGRATION, "--view", "0", "--pace", "40"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    await waitFor(() => /view on (http:\S+\/):/.test(stderr) || child.exitCode !== null, "the view to listen", 20_000);
    url = /view on (http:\S+\/):/.exec(stderr)?.[1] ?? "";
    if (!url) throw new Error(`no view: ${stderr}`);
  });
  afterAll(async () => {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.once("exit", done));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("refuses to be steered, in one line", async () => {
    const ws = new WebSocket(`${url.replace("http", "ws")}control`);
    const messages: Record<string, unknown>[] = [];
    ws.on("message", (data) => messages.push(JSON.parse(String(data))));
    await new Promise((done) => ws.once("open", done));
    ws.send(JSON.stringify({ execute: "vm-pause", arguments: { vm: "memwriter" }, id: 7 }));
    await waitFor(() => messages.some((m) => "id" in m), "the answer");
    expect(messages[0]).toMatchObject({ toyvmm: { host: "simulated", capabilities: [] } });
    expect(messages.find((m) => "id" in m)).toEqual({
      error: { class: "CommandNotFound", desc: expect.stringMatching(/can be watched, not steered/) },
      id: 7,
    });
    ws.close();
  });

  it.skipIf(!browserPath)("replays it in the page to all-sent, with the statistics of migrate --json", async () => {
    const browser = await launch();
    try {
      const { page, errors } = await openPage(browser, url);
      const view = page.locator('.migration[data-vm="memwriter"]');
      await view.waitFor();
      await page.waitForTimeout(600);
      await screenshot(page, "simulated-replay");
      await view.and(page.locator("[data-ended]")).waitFor({ timeout: 30_000 });
      expect(await view.getAttribute("data-ended")).toBe("completed");
      const [sent, all] = (await view.getAttribute("data-pages"))!.split("/");
      expect(sent).toBe(all);
      const shown = await view
        .locator("td[data-stat]")
        .evaluateAll((cells) =>
          Object.fromEntries(cells.map((c) => [c.getAttribute("data-stat"), c.getAttribute("data-value")])),
        );
      const json = await runProgram(["migrate", ...MIGRATION, "--json"], 30_000);
      const stats = JSON.parse(json.stdout).stats;
      expect(shown).toMatchObject({
        status: "completed",
        rounds: String(stats.rounds.length),
        downtimeNs: String(stats.downtimeNs),
        elapsedNs: String(stats.totalNs),
        pagesSent: String(stats.pagesSent),
        pagesResent: String(stats.pagesResent),
        zeroPages: String(stats.zeroPages),
        bytesSent: String(stats.bytesSent),
      });
      await screenshot(page, "simulated-end");
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

if (!browserPath) console.warn(NO_BROWSER);
