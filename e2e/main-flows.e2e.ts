import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible } from './accessibility.ts';
import { customersCsvFile, login as logIn, openNav, owner } from './app.ts';
import { desktop, launchBrowser, newPage, phone, shot } from './browser.ts';

const baseUrl = inject('baseUrl');
const login = (page: Page) => logIn(page, baseUrl);
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('the main flows in Hebrew (RTL), desktop', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'he'));
  });

  it('first run shows the setup page, in Hebrew, right to left', async () => {
    await page.goto(baseUrl);
    await page.getByTestId('setup-form').waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('he');
    await expectAccessible(page, 'he-desktop-setup');
    // The setup page is seen once per install: check it in English here too, then go back to Hebrew.
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('en');
    await expectAccessible(page, 'en-desktop-setup');
    await shot(page, 'en-desktop-setup');
    await page.getByTestId('lang-switch').click();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('he');
    await page.getByTestId('setup-business').fill('מאפיית הגפן');
    await page.getByTestId('setup-owner').fill('גפן כהן');
    await page.getByTestId('setup-email').fill(owner.email);
    await page.getByTestId('setup-password').fill('short');
    await page.getByTestId('setup-submit').click();
    // A too-short password is refused with a Hebrew message, and nothing is created.
    await expect.poll(() => page.getByTestId('setup-form').innerText()).toContain('10');
    await shot(page, 'he-desktop-setup-error');
    await expectAccessible(page, 'he-desktop-setup-error');
    await page.getByTestId('setup-password').fill(owner.password);
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('business-name').first().waitFor();
    expect(await page.getByTestId('business-name').first().innerText()).toContain('מאפיית הגפן');
    await shot(page, 'he-desktop-dashboard-empty');
    await expectAccessible(page, 'he-desktop-dashboard-empty');
  });

  it('logs out and back in', async () => {
    await page.getByTestId('user-menu').click();
    await page.getByTestId('logout').click();
    await page.getByTestId('login-form').waitFor();
    await page.getByTestId('login-email').fill(owner.email);
    await page.getByTestId('login-password').fill('wrong password!');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-form').innerText()).toContain('שגויים');
    await shot(page, 'he-desktop-login-error');
    await expectAccessible(page, 'he-desktop-login-error');
    await login(page);
  });

  it('imports customers from CSV with a column mapping and reports the bad row', async () => {
    const file = customersCsvFile();
    await openNav(page, '/import');
    await page.getByTestId('import-kind').selectOption('customers');
    await page.getByTestId('import-file').setInputFiles(file);
    await page.getByTestId('import-preview').waitFor();
    await page.getByTestId('import-mapping').waitFor();
    await shot(page, 'he-desktop-import-mapping');
    await page.getByTestId('import-start').click();
    await page.getByTestId('import-summary').waitFor({ timeout: 60_000 });
    const errors = page.getByTestId('import-error-row');
    await errors.first().waitFor();
    expect(await errors.count()).toBe(1);
    const errorText = await errors.first().innerText();
    expect(errorText).toContain('4');
    expect(errorText).toContain('טלפון');
    expect(await page.getByTestId('import-errors-download').getAttribute('href')).toMatch(/errors\.csv$/);
    await shot(page, 'he-desktop-import-result');
  });

  it('finds a customer by a Hebrew name fragment and by a phone fragment', async () => {
    await openNav(page, '/customers');
    await page.getByTestId('customers-table').waitFor();
    await page.getByTestId('customer-search').fill('אלמו');
    await expect.poll(async () => page.getByTestId('customer-row').count()).toBe(1);
    expect(await page.getByTestId('customer-row').first().innerText()).toContain('רותי');
    await shot(page, 'he-desktop-search');
    await page.getByTestId('customer-search').fill('052-700');
    await expect.poll(async () => page.getByTestId('customer-row').first().innerText()).toContain('גיל');
  });

  it('opens the customer page (360) with profile, totals and timeline', async () => {
    await page.getByTestId('customer-search').fill('אלמוג');
    await expect.poll(async () => page.getByTestId('customer-row').first().innerText()).toContain('רותי');
    expect(await page.getByTestId('customer-row').count()).toBe(1);
    await page.getByTestId('customer-row').first().click();
    await page.getByTestId('customer-360').waitFor();
    expect(await page.getByTestId('customer-phone').first().innerText()).toContain('050');
    await page.getByTestId('customer-totals').waitFor();
    await page.getByTestId('timeline-panel').waitFor();
    await shot(page, 'he-desktop-customer-360');
  });

  it('tags the customer from its page', async () => {
    await page.getByTestId('edit-tags').click();
    const input = page.getByTestId('tags-input');
    await input.fill('לקוחת חג');
    await input.press('Enter');
    await shot(page, 'he-desktop-tags-editor');
    await page.getByTestId('tags-save').click();
    await expect.poll(async () => page.getByTestId('customer-360').innerText()).toContain('לקוחת חג');
  });

  it('warns of a duplicate on create and merges it, losing nothing', async () => {
    await openNav(page, '/customers');
    await page.getByTestId('new-customer').click();
    await page.getByTestId('customer-first-name').fill('רות');
    await page.getByTestId('customer-last-name').fill('אלמוג');
    await page.getByTestId('customer-phone').last().fill('0507001001');
    await page.getByTestId('customer-submit').click();
    await page.getByTestId('duplicate-warning').waitFor();
    await shot(page, 'he-desktop-duplicate-warning');
    await page.getByTestId('create-anyway').click();
    await page.getByTestId('customer-360').waitFor();
    expect(await page.getByTestId('customer-title').innerText()).toContain('רות');
    await page.getByTestId('duplicate-item').first().waitFor();
    await page.getByTestId('merge-button').first().click();
    await page.getByTestId('merge-confirm').waitFor();
    await shot(page, 'he-desktop-merge-confirm');
    await page.getByTestId('merge-confirm').click();
    await expect.poll(async () => page.getByTestId('duplicate-item').count()).toBe(0);
    // The imported record's email came along with the merge.
    await expect.poll(async () => page.getByTestId('customer-360').innerText()).toContain('ruti@example.co.il');
    await shot(page, 'he-desktop-merged');
    await openNav(page, '/customers');
    await page.getByTestId('customer-search').fill('אלמוג');
    await expect.poll(async () => page.getByTestId('customer-row').count()).toBe(1);
  });

  it('shows the merge in the audit log, with who did it and what changed', async () => {
    await openNav(page, '/audit');
    await page.getByTestId('audit-table').waitFor();
    const newest = page.getByTestId('audit-row').first();
    expect(await newest.innerText()).toContain('לקוחות אוחדו');
    await page.getByTestId('audit-filter').click();
    await page.getByRole('option', { name: 'מפתח API' }).click();
    await page.getByTestId('audit-empty').waitFor();
    await shot(page, 'he-desktop-audit-empty');
    await page.getByTestId('audit-filter').click();
    await page.getByRole('option', { name: 'לקוח' }).click();
    await expect.poll(async () => page.getByTestId('audit-row').first().innerText()).toContain('לקוחות אוחדו');
    await shot(page, 'he-desktop-audit');
  });
});

describe('the same flows in English (LTR), on a 390-pixel phone', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, phone, 'en'));
  });

  it('logs in, in English, left to right', async () => {
    await page.goto(`${baseUrl}/login`);
    await page.getByTestId('login-form').waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    await shot(page, 'en-phone-login');
    await expectAccessible(page, 'en-phone-login');
    await login(page);
    await shot(page, 'en-phone-dashboard');
  });

  it('searches in Hebrew and opens the customer page without horizontal scrolling', async () => {
    await openNav(page, '/customers');
    await page.getByTestId('customer-search').fill('ברק');
    await expect.poll(async () => page.getByTestId('customer-row').first().innerText()).toContain('גיל');
    expect(await page.getByTestId('customer-row').count()).toBe(1);
    await shot(page, 'en-phone-search');
    await page.getByTestId('customer-row').first().click();
    await page.getByTestId('customer-360').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(page, 'en-phone-customer-360');
    await expectAccessible(page, 'en-phone-customer-360');
    await page.getByTestId('edit-tags').click();
    await page.getByTestId('tags-input').waitFor();
    // Let the popover finish fading in before the picture.
    await page.waitForTimeout(300);
    await shot(page, 'en-phone-tags-editor');
    await page.keyboard.press('Escape');
  });

  it('shows the import screen with its earlier import and error report', async () => {
    await openNav(page, '/import');
    await page.getByTestId('import-history-row').first().waitFor();
    await shot(page, 'en-phone-import');
  });

  it('shows the audit log on a phone, scrolling sideways inside its table only', async () => {
    await openNav(page, '/audit');
    await page.getByTestId('audit-row').first().waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    // Let the navigation drawer finish closing before the picture.
    await page.waitForTimeout(400);
    await shot(page, 'en-phone-audit');
    await openNav(page, '/import');
    await page.getByTestId('import-history-row').first().waitFor();
  });

  it('switches to Hebrew and back', async () => {
    await page.getByTestId('lang-switch').first().click();
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).not.toBe('ltr');
    await shot(page, 'he-phone-import');
  });
});

describe('English on desktop', () => {
  it('shows the customers list and the API docs', async () => {
    const { page } = await newPage(browser, desktop, 'en');
    await login(page);
    await openNav(page, '/customers');
    await page.getByTestId('customer-row').first().waitFor();
    await shot(page, 'en-desktop-customers');
    await page.goto(`${baseUrl}/api/docs/`);
    await page.locator('.swagger-ui').first().waitFor();
    await shot(page, 'en-desktop-api-docs');
  });
});
