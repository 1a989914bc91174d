import fs from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const shotsDir = path.resolve(import.meta.dirname, 'screenshots');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const desktop = { width: 1280, height: 800 };
export const phone = { width: 390, height: 844 };

export async function newPage(
  browser: Browser,
  viewport: { width: number; height: number },
  lang: 'he' | 'en',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale: lang === 'he' ? 'he-IL' : 'en-US' });
  // The app remembers the chosen language in localStorage.
  await context.addInitScript((l) => {
    if (!window.localStorage.getItem('klient.lang')) window.localStorage.setItem('klient.lang', l);
  }, lang);
  const page = await context.newPage();
  return { context, page };
}

/** Saves a screenshot as an artifact: e2e/screenshots/<db>-<name>.png */
export async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(shotsDir, { recursive: true });
  const db = process.env.KLIENT_TEST_DATABASE_URL ? 'pg' : 'pglite';
  await page.screenshot({ path: path.join(shotsDir, `${db}-${name}.png`), fullPage: true });
}

/** Waits until a change of the window's size (or anything else) has been laid out and painted. */
export async function afterLayout(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}
