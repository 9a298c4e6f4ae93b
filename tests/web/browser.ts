/**
 * Headless Chromium for the browser tests: Debian's `chromium` (installed by .ci/run), driven by
 * playwright-core. Where there is none, `browserPath` is null and the tests skip, saying why.
 * Screenshots go to test-artifacts/web/ (TOYVMM_ARTIFACTS overrides), kept after the run.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

const CANDIDATES = [process.env.TOYVMM_CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter(
  (p): p is string => !!p,
);
export const browserPath = CANDIDATES.find((path) => existsSync(path)) ?? null;
export const NO_BROWSER = `no Chromium at ${CANDIDATES.join(" or ")}: the browser tests are skipped (.ci/run installs Debian's chromium as root; or set TOYVMM_CHROMIUM)`;

export const artifacts = resolve(process.env.TOYVMM_ARTIFACTS ?? "test-artifacts/web");

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: browserPath!, args: ["--no-sandbox", "--disable-gpu"], timeout: 30_000 });
}

/** A page that records every console error and uncaught exception. */
export async function openPage(browser: Browser, url: string): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(url);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(artifacts, { recursive: true });
  const path = join(artifacts, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
