import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, expectNoSidewaysScroll, expectVisibleFocus, tabTo } from './accessibility.ts';
import { login, openNav } from './app.ts';
import { afterLayout, desktop, launchBrowser, newPage, phone, shot } from './browser.ts';

/**
 * The loyalty club, as a business starts it: the settings screen before the club exists, set up from the
 * suggested settings (a threshold out of order is refused on its field first), a customer enrolled from her
 * page, her club card after points are given by hand, the members list, the report, the dashboard's card and
 * the rewards catalog.
 * Every screen passes axe on a desktop and on a 390-pixel phone, in Hebrew and then in English.
 */

// Runs after main-flows.e2e.ts (see the sequencer in vitest.config.ts), on the business it set up.
const baseUrl = inject('baseUrl');
let browser: Browser;
let customerUrl = '';

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** The screen as it is now, on a desktop and then on a phone (the window narrowed in place), with pictures. */
async function check(page: Page, lang: 'he' | 'en', name: string) {
  await expectAccessible(page, `${lang}-desktop-${name}`);
  await shot(page, `${lang}-desktop-${name}`);
  await page.setViewportSize(phone);
  try {
    await afterLayout(page);
    await expectAccessible(page, `${lang}-phone-${name}`);
    await expectNoSidewaysScroll(page, `${lang}-phone-${name}`);
    await shot(page, `${lang}-phone-${name}`);
  } finally {
    await page.setViewportSize(desktop);
    await afterLayout(page);
  }
}

/** A text without the marks that keep its values' direction (the app isolates numbers and amounts in sentences). */
const plain = (text: string) => text.replace(/[\u200e\u200f\u2066-\u2069]/g, '');

/** Whether the plus sign is drawn left of the digits: "+150" and not "150+", in a Hebrew line too. */
async function signIsLeftOfDigits(element: Locator): Promise<boolean> {
  return element.evaluate((el) => {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    let sign: number | null = null;
    let digit: number | null = null;
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent ?? '';
      for (let i = 0; i < text.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const left = range.getBoundingClientRect().left;
        if (sign === null && text[i] === '+') sign = left;
        else if (digit === null && /\d/.test(text[i] ?? '')) digit = left;
      }
    }
    return sign !== null && digit !== null && sign < digit;
  });
}

describe('the loyalty club in Hebrew (RTL)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'he'));
    await login(page, baseUrl);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('is in the menu, and before it exists says so and offers to set it up', async () => {
    await openNav(page, '/loyalty');
    await page.getByTestId('loyalty-no-club').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('חברי המועדון');
    await check(page, 'he', 'loyalty-members-no-club');
    await page.getByTestId('loyalty-go-setup').click();
    await page.getByTestId('loyalty-settings-empty').waitFor();
    expect(await page.getByTestId('loyalty-settings-empty').innerText()).toContain('כסף, זהב ופלטינה');
    await check(page, 'he', 'loyalty-settings-empty');
  });

  it('sets the club up from the suggested settings, by keyboard, after a threshold out of order is refused', async () => {
    await tabTo(page, '[data-testid="loyalty-setup-start"]');
    await expectVisibleFocus(page);
    await page.keyboard.press('Enter');
    await page.getByTestId('loyalty-settings-form').waitFor();
    expect(await page.getByTestId('tier-name').nth(0).inputValue()).toBe('כסף');
    expect(await page.getByTestId('tier-name').nth(1).inputValue()).toBe('זהב');
    expect(await page.getByTestId('tier-name').nth(2).inputValue()).toBe('פלטינה');
    expect(await page.getByTestId('loyalty-pending-days').inputValue()).toBe('14');
    // "100 points = 5 ₪", as people say it.
    expect(plain(await page.getByTestId('rate-note').nth(1).innerText())).toMatch(/100 נקודות = 5\.00\s*₪/);
    await check(page, 'he', 'loyalty-settings-draft');

    // Platinum below gold: the server refuses, and says so in Hebrew on platinum's threshold.
    const platinum = page.locator('[data-testid="tier-row"][data-index="2"]');
    await platinum.getByTestId('tier-threshold').fill('1000');
    await page.getByTestId('loyalty-save').click();
    await platinum.locator('[aria-invalid="true"]').waitFor();
    expect(await platinum.innerText()).toContain('הסף צריך להיות גבוה מהסף של הדרגה הקודמת');
    expect(await page.getByTestId('loyalty-settings-error').innerText()).toContain('כל דרגה צריכה סף גבוה');
    await check(page, 'he', 'loyalty-settings-error');

    await platinum.getByTestId('tier-threshold').fill('5000');
    await page.getByTestId('loyalty-save').click();
    await page.getByTestId('loyalty-draft-note').waitFor({ state: 'detached' });
    expect(await page.getByTestId('loyalty-save').innerText()).toBe('שמירת ההגדרות');
    await check(page, 'he', 'loyalty-settings');
  });

  it('enrols a customer from her page, by keyboard, with consent to the club’s messages', async () => {
    await openNav(page, '/customers');
    await page.getByTestId('customer-search').fill('אלמוג');
    await expect.poll(async () => page.getByTestId('customer-row').count()).toBe(1);
    await page.getByTestId('customer-row').first().click();
    await page.getByTestId('customer-360').waitFor();
    customerUrl = page.url();
    await page.getByTestId('loyalty-not-member').waitFor();
    await page.getByTestId('loyalty-join-terms-text').waitFor();
    await check(page, 'he', 'loyalty-panel-enrol');
    await page.getByTestId('loyalty-consent').check();
    await tabTo(page, '[data-testid="loyalty-enroll"]');
    await expectVisibleFocus(page);
    await page.keyboard.press('Enter');
    await page.getByTestId('loyalty-member').waitFor();
    // Silver is the entry tier (threshold 0); gold is 2,000 ₪ of purchases away.
    expect(await page.getByTestId('tier-badge').first().innerText()).toBe('כסף');
    await expect
      .poll(async () => plain(await page.getByTestId('loyalty-next-tier').innerText()))
      .toMatch(/עוד 2,000\.00\s*₪ לדרגת זהב/);
    // Her timeline shows she joined, at silver.
    await expect.poll(() => page.getByTestId('timeline-panel').innerText()).toContain('הצטרפות למועדון');
  });

  it('gives her points by hand, with a reason, and shows them on her card and timeline', async () => {
    await page.getByTestId('loyalty-adjust').click();
    await page.getByTestId('adjust-form').waitFor();
    await page.getByTestId('adjust-submit').click();
    await page.locator('[data-testid="adjust-form"] [aria-invalid="true"]').first().waitFor();
    await expectAccessible(page, 'he-desktop-loyalty-adjust-missing');
    await page.getByTestId('adjust-points').fill('150');
    await page.getByTestId('adjust-note').fill('פיצוי על עיכוב במשלוח');
    await expectAccessible(page, 'he-desktop-loyalty-adjust');
    await shot(page, 'he-desktop-loyalty-adjust');
    await page.getByTestId('adjust-submit').click();
    await page.getByTestId('adjust-form').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('loyalty-member').getAttribute('data-available')).toBe('150');
    // 150 points at 100 = 5 ₪ are worth 7.50 ₪.
    expect(await page.getByTestId('loyalty-value').innerText()).toMatch(/7\.50/);
    await page.getByTestId('loyalty-ledger-line').first().waitFor();
    expect(await page.getByTestId('loyalty-ledger-line').first().innerText()).toContain('פיצוי על עיכוב במשלוח');
    expect(await signIsLeftOfDigits(page.getByTestId('loyalty-ledger-points').first())).toBe(true);
    const event = page.getByTestId('loyalty-points-event').first();
    await event.waitFor();
    expect(await event.innerText()).toContain('עדכון ידני');
    expect(await signIsLeftOfDigits(event)).toBe(true);
    await page.getByTestId('loyalty-panel').scrollIntoViewIfNeeded();
    await check(page, 'he', 'loyalty-panel-member');
  });

  it('lists her among the members, filters by tier, and shows the report and the dashboard card', async () => {
    // Loaded afresh: the customer page's growing text boxes leave a hidden copy in the page, as wide as the
    // desktop's, pinned to the right; narrowed to a phone in place, right to left, it would stick out on the left.
    await page.goto(`${baseUrl}/loyalty`);
    await page.getByTestId('member-row').first().waitFor();
    expect(await page.getByTestId('member-row').count()).toBe(1);
    const row = await page.getByTestId('member-row').first().innerText();
    expect(row).toContain('אלמוג');
    expect(row).toContain('150');
    await check(page, 'he', 'loyalty-members');
    await page.getByTestId('members-tier-filter').click();
    await page.getByRole('option', { name: 'זהב' }).click();
    await page.getByTestId('members-empty-filtered').waitFor();
    await check(page, 'he', 'loyalty-members-filtered');
    await page.getByTestId('members-tier-filter').click();
    await page.getByRole('option', { name: 'כסף' }).click();
    await page.getByTestId('member-row').first().waitFor();
    await page.getByTestId('member-open').first().click();
    await page.getByTestId('customer-360').waitFor();
    expect(page.url()).toBe(customerUrl);

    await page.goto(`${baseUrl}/loyalty/report`);
    await page.getByTestId('report-members').waitFor();
    expect(await page.getByTestId('report-members').innerText()).toContain('1');
    expect(await page.getByTestId('report-liability').innerText()).toMatch(/7\.50/);
    await page.getByTestId('report-chart').waitFor();
    await check(page, 'he', 'loyalty-report');

    await openNav(page, '/');
    const card = page.getByTestId('loyalty-dashboard-card');
    await page.getByTestId('loyalty-dashboard-members').waitFor();
    expect(await page.getByTestId('loyalty-dashboard-points').innerText()).toContain('150');
    expect(await page.getByTestId('loyalty-dashboard-liability').innerText()).toMatch(/7\.50/);
    const chart = page.getByTestId('loyalty-dashboard-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await chart.getAttribute('aria-label')).toMatch(/נצברו 150/);
    await card.scrollIntoViewIfNeeded();
    await check(page, 'he', 'loyalty-dashboard');
  });

  it('adds rewards to the catalog, a required field first left empty', async () => {
    await page.goto(`${baseUrl}/loyalty`);
    await page.getByTestId('loyalty-rewards-link').click();
    await page.getByTestId('rewards-empty').waitFor();
    await check(page, 'he', 'loyalty-rewards-empty');
    await page.getByTestId('reward-new').click();
    await page.getByTestId('reward-form').waitFor();
    await page.getByTestId('reward-submit').click();
    await page.locator('[data-testid="reward-form"] [aria-invalid="true"]').first().waitFor();
    await expectAccessible(page, 'he-desktop-loyalty-reward-missing');
    await page.getByTestId('reward-name').fill('קפה ומאפה חינם');
    await page.getByTestId('reward-points').fill('400');
    await page.getByTestId('reward-amount').fill('20');
    await page.getByTestId('reward-submit').click();
    await page.getByTestId('reward-row').first().waitFor();
    // A percentage off for gold members and up, at most 50 ₪, on a basket of 100 ₪ or more.
    await page.getByTestId('reward-new').click();
    await page.getByTestId('reward-kind').click();
    await page.getByRole('option', { name: 'הנחה באחוזים' }).click();
    await page.getByTestId('reward-name').fill('15% הנחה לחברי זהב');
    await page.getByTestId('reward-points').fill('1500');
    await page.getByTestId('reward-percent').fill('15');
    await page.getByTestId('reward-max-discount').fill('50');
    await page.getByTestId('reward-min-basket').fill('100');
    await page.getByTestId('reward-tier').click();
    await page.getByRole('option', { name: 'זהב' }).click();
    await expectAccessible(page, 'he-desktop-loyalty-reward-new');
    await shot(page, 'he-desktop-loyalty-reward-new');
    await page.getByTestId('reward-submit').click();
    await page.getByTestId('reward-form').waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('reward-row').count()).toBe(2);
    const newest = plain(await page.getByTestId('reward-row').first().innerText());
    expect(newest).toContain('15% הנחה עד 50.00');
    expect(newest).toContain('זהב');
    await check(page, 'he', 'loyalty-rewards');
  });
});

describe('the loyalty club in English (LTR)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'en'));
    await login(page, baseUrl);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('shows the settings, the member’s card and adjust dialog, the members, the report and the card', async () => {
    await openNav(page, '/loyalty');
    await page.getByTestId('member-row').first().waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Club members');
    await check(page, 'en', 'loyalty-members');
    await page.getByTestId('loyalty-settings-link').click();
    await page.getByTestId('loyalty-settings-form').waitFor();
    expect(plain(await page.getByTestId('rate-note').nth(1).innerText())).toMatch(/100 points = ₪5\.00/);
    await check(page, 'en', 'loyalty-settings');

    await page.goto(customerUrl);
    await page.getByTestId('loyalty-member').waitFor();
    await page.getByTestId('loyalty-ledger-line').first().waitFor();
    expect(plain(await page.getByTestId('loyalty-available').innerText())).toContain('Worth ₪7.50');
    await page.getByTestId('loyalty-panel').scrollIntoViewIfNeeded();
    await check(page, 'en', 'loyalty-panel-member');
    await page.getByTestId('loyalty-adjust').click();
    await page.getByTestId('adjust-form').waitFor();
    // Taking more than she has is refused, in English, and nothing changes.
    await page.getByTestId('adjust-points').fill('-500');
    await page.getByTestId('adjust-note').fill('Too many');
    await page.getByTestId('adjust-submit').click();
    await page.getByTestId('adjust-error').waitFor();
    expect(await page.getByTestId('adjust-error').innerText()).toContain('Not enough available points');
    await expectAccessible(page, 'en-desktop-loyalty-adjust-refused');
    await page.keyboard.press('Escape');
    await page.getByTestId('adjust-form').waitFor({ state: 'detached' });
    expect(await page.getByTestId('loyalty-member').getAttribute('data-available')).toBe('150');

    await page.goto(`${baseUrl}/loyalty/rewards`);
    await page.getByTestId('reward-row').first().waitFor();
    await check(page, 'en', 'loyalty-rewards');
    await page.getByTestId('reward-edit').first().click();
    await page.getByTestId('reward-form').waitFor();
    expect(await page.getByTestId('reward-percent').inputValue()).toBe('15');
    await expectAccessible(page, 'en-desktop-loyalty-reward-edit');
    await page.keyboard.press('Escape');
    await page.getByTestId('reward-form').waitFor({ state: 'detached' });

    await page.goto(`${baseUrl}/loyalty/report`);
    await page.getByTestId('report-chart').waitFor();
    await check(page, 'en', 'loyalty-report');
    await openNav(page, '/');
    await page.getByTestId('loyalty-dashboard-chart').waitFor();
    await page.getByTestId('loyalty-dashboard-card').scrollIntoViewIfNeeded();
    await check(page, 'en', 'loyalty-dashboard');
  });
});
