import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { login as logIn, openNav } from './app.ts';
import { desktop, launchBrowser, newPage, shot } from './browser.ts';

/**
 * A WooCommerce shop's exports through the import screen, as the shop would
 * do it: the orders export has no channel column, so the mapping arrives with
 * "one value for every row: web" chosen for the channel, and the orders come
 * in with their payment status and where they were shipped.
 */

const baseUrl = inject('baseUrl');
const fixtures = path.resolve(import.meta.dirname, '../src/modules/imports/fixtures');
let browser: Browser;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page } = await newPage(browser, desktop, 'he'));
  await logIn(page, baseUrl);
});
afterAll(async () => {
  await browser?.close();
});

async function importFile(kind: 'customers' | 'orders', file: string, name: string) {
  await openNav(page, '/import');
  await page.getByTestId('import-kind').selectOption(kind);
  await page.getByTestId('import-file').setInputFiles(path.join(fixtures, file));
  await page.getByTestId('import-mapping').waitFor();
  await shot(page, name);
  await page.getByTestId('import-start').click();
  await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
  await expect.poll(() => page.getByTestId('import-result').getAttribute('data-status')).toBe('completed');
  expect(await page.getByTestId('import-error-row').count()).toBe(0);
}

describe('a WooCommerce shop imports its exports on the import screen (Hebrew, RTL)', () => {
  it('gets channel web for every order, chosen for it, and keeps payment status and shipping city', async () => {
    await importFile('customers', 'woocommerce-customers-report.csv', 'he-desktop-import-woocommerce-customers');

    // The screen shows the customers import's result: the next file starts from its button.
    await page.getByTestId('import-again').click();
    await page.getByTestId('import-kind').selectOption('orders');
    await page.getByTestId('import-file').setInputFiles(path.join(fixtures, 'woocommerce-orders-export.csv'));
    await page.getByTestId('import-mapping').waitFor();
    // The channel reads "one value for every row", and the value is the web shop.
    await expect.poll(() => page.getByTestId('mapping-channel-value').inputValue()).toBe('web');
    expect(await page.getByTestId('mapping-channel').inputValue()).toBe('ערך קבוע לכל השורות');
    expect(await page.getByTestId('mapping-shippingCity').inputValue()).toBe('shipping_city');
    await page.locator('[data-field="channel"]').scrollIntoViewIfNeeded();
    await shot(page, 'he-desktop-import-mapping-fixed-channel');
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('import-result').getAttribute('data-status')).toBe('completed');
    expect(await page.getByTestId('import-error-row').count()).toBe(0);

    // Her orders on her page: on the web shop, paid, shipped to her city.
    await openNav(page, '/customers');
    await page.getByTestId('customer-row').filter({ hasText: 'יעל' }).first().click();
    await page.getByTestId('timeline-panel').waitFor();
    await expect.poll(() => page.getByTestId('timeline-panel').innerText()).toContain('משלוח לרמת גן');
    const timeline = await page.getByTestId('timeline-panel').innerText();
    expect(timeline).toContain('באתר');
    expect(timeline).toContain('שולם');
    await shot(page, 'he-desktop-customer-woocommerce-orders');
  });
});
