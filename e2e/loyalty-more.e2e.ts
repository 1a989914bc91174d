import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, expectNoSidewaysScroll } from './accessibility.ts';
import { login, owner } from './app.ts';
import { afterLayout, desktop, launchBrowser, newPage, phone, shot } from './browser.ts';

/**
 * The club's newer screens: earning rules (a rule made through the form, after an end before its start is refused
 * on its field), referrals (the empty list, then a friend referred through the API, with the referral's status),
 * contests (a draw made through the form under the Israeli permit notice, drawn and verified), and the customer
 * page's club card with the member's referral code, share link and WhatsApp button.
 * Every screen passes axe on a desktop and on a 390-pixel phone, in Hebrew and then in English.
 */

// Runs after main-flows.e2e.ts (see the sequencer in vitest.config.ts), on the business it set up, and after
// loyalty-club.e2e.ts when the whole suite runs. Alone it makes what it needs: the business on the setup page, the
// two customers through the API and the club from its suggested settings.
const baseUrl = inject('baseUrl');
/** Pictures to look at, besides the artifacts in e2e/screenshots. */
const lookDir = process.env.KLIENT_E2E_LOOK_DIR ?? '/tmp/shots';
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function picture(page: Page, name: string) {
  // From the top: a whole-page picture of a scrolled page draws the sticky header where the window was.
  await page.evaluate(() => window.scrollTo(0, 0));
  await afterLayout(page);
  await shot(page, name);
  fs.mkdirSync(lookDir, { recursive: true });
  await page.screenshot({ path: path.join(lookDir, `${name}.png`), fullPage: true });
}

/** The screen as it is now, on a desktop and then on a phone (the window narrowed in place), with pictures. */
async function check(page: Page, lang: 'he' | 'en', name: string) {
  await expectAccessible(page, `${lang}-desktop-${name}`);
  await picture(page, `${lang}-desktop-${name}`);
  await page.setViewportSize(phone);
  try {
    await afterLayout(page);
    await expectAccessible(page, `${lang}-phone-${name}`);
    await expectNoSidewaysScroll(page, `${lang}-phone-${name}`);
    await picture(page, `${lang}-phone-${name}`);
  } finally {
    await page.setViewportSize(desktop);
    await afterLayout(page);
  }
}

/** A dialog as it is now (axe and a picture), once it has finished fading in. */
async function checkDialog(page: Page, lang: 'he' | 'en', name: string) {
  await page.waitForTimeout(300);
  await expectAccessible(page, `${lang}-desktop-${name}`);
  await picture(page, `${lang}-desktop-${name}`);
}

/** A text without the marks that keep its values' direction. */
const plain = (text: string) => text.replace(/[\u200e\u200f\u2066-\u2069]/g, '');

/** The app's own API, called from the page with its session cookie and CSRF token, as the web app calls it. */
async function api<T>(
  page: Page,
  method: string,
  apiPath: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return page.evaluate(
    async ({ method, apiPath, body }) => {
      const me = await fetch('/api/v1/auth/me', { credentials: 'same-origin' }).then((r) => r.json());
      const headers: Record<string, string> = { accept: 'application/json', 'x-csrf-token': me.csrfToken ?? '' };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`/api/v1${apiPath}`, {
        method,
        headers,
        credentials: 'same-origin',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    { method, apiPath, body },
  );
}

/** Logs in as the owner, or sets the business up on the first run's setup page when nothing ran before. */
async function signIn(page: Page) {
  await page.goto(baseUrl);
  const setup = page.getByTestId('setup-form');
  const form = page.getByTestId('login-form');
  await Promise.race([setup.waitFor(), form.waitFor()]);
  if (await setup.isVisible()) {
    await page.getByTestId('setup-business').fill('מאפיית הגפן');
    await page.getByTestId('setup-owner').fill('גפן כהן');
    await page.getByTestId('setup-email').fill(owner.email);
    await page.getByTestId('setup-password').fill(owner.password);
    await page.getByTestId('setup-submit').click();
    await page.getByTestId('business-name').first().waitFor();
  } else {
    await login(page, baseUrl);
  }
}

/**
 * The customer with the person's email (the files before this one import, merge and make customers, some with
 * the same names), made through the API if nobody has it yet.
 */
async function customerId(
  page: Page,
  _name: string,
  person: { firstName: string; lastName: string; phone: string; email: string },
): Promise<string> {
  const search = () =>
    api<{ items: { id: string }[] }>(page, 'GET', `/customers?q=${encodeURIComponent(person.email)}`);
  let found = await search();
  if (found.body.items.length === 0) {
    const made = await api(page, 'POST', '/customers', person);
    expect(made.status).toBe(201);
    found = await search();
  }
  expect(found.body.items.length).toBe(1);
  return found.body.items[0]?.id ?? '';
}
const rutiPerson = { firstName: 'רותי', lastName: 'אלמוג', phone: '050-7001001', email: 'ruti@example.co.il' };
const gilPerson = { firstName: 'גיל', lastName: 'ברק', phone: '052-7002002', email: 'gil@example.co.il' };

/** Makes sure of a club (set up from the suggested settings, as a business would) and a member in it. */
async function ensureClubWithMember(page: Page): Promise<string> {
  const program = await api(page, 'GET', '/loyalty/program');
  if (program.status === 404) {
    await page.goto(`${baseUrl}/loyalty/settings`);
    await page.getByTestId('loyalty-setup-start').click();
    await page.getByTestId('loyalty-settings-form').waitFor();
    await page.getByTestId('loyalty-save').click();
    await page.getByTestId('loyalty-draft-note').waitFor({ state: 'detached' });
  }
  const ruti = await customerId(page, 'אלמוג', rutiPerson);
  const member = await api(page, 'GET', `/loyalty/members/${ruti}`);
  if (member.status === 404) {
    const enrolled = await api(page, 'POST', '/loyalty/members', { customerId: ruti, messagesConsent: true });
    expect(enrolled.status).toBe(201);
  }
  return ruti;
}

/** The day before a 'YYYY-MM-DD' day. */
function dayBefore(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

let rutiId = '';
const ruleName = 'נקודות כפולות על קפה';
const contestName = 'הגרלת חנוכה';

describe('the club’s rules, referrals and contests in Hebrew (RTL)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'he'));
    await signIn(page);
    rutiId = await ensureClubWithMember(page);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('makes an earning rule through the form, after an end before its start is refused on its field', async () => {
    await page.goto(`${baseUrl}/loyalty/rules`);
    await page.getByTestId('rules-empty').waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('כללי צבירה');
    await check(page, 'he', 'loyalty-rules-empty');

    await page.getByTestId('rule-new').click();
    await page.getByTestId('rule-form').waitFor();
    // Nothing filled in: the required fields say so.
    await page.getByTestId('rule-submit').click();
    await page.locator('[data-testid="rule-form"] [aria-invalid="true"]').first().waitFor();
    await checkDialog(page, 'he', 'loyalty-rule-missing');

    await page.getByTestId('rule-name').fill(ruleName);
    await page.getByTestId('rule-categories').fill('קפה');
    await page.getByTestId('rule-categories').press('Enter');
    await page.getByTestId('rule-points').fill('2');
    const starts = await page.getByTestId('rule-starts').inputValue();
    expect(starts).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    await page.getByTestId('rule-ends').fill(dayBefore(starts));
    await page.getByTestId('rule-submit').click();
    const ends = page.locator('.mantine-InputWrapper-root', { has: page.getByTestId('rule-ends') });
    await ends.locator('[aria-invalid="true"]').waitFor();
    expect(await ends.innerText()).toContain('הסיום צריך להיות אחרי ההתחלה');
    await checkDialog(page, 'he', 'loyalty-rule-dates-refused');

    await page.getByTestId('rule-ends').fill('');
    await page.getByTestId('rule-submit').click();
    await page.getByTestId('rule-form').waitFor({ state: 'detached' });
    await page.getByTestId('rule-row').first().waitFor();
    expect(await page.getByTestId('rule-row').count()).toBe(1);
    const row = plain(await page.getByTestId('rule-row').first().innerText());
    expect(row).toContain(ruleName);
    expect(row).toContain('קפה');
    expect(row).toContain('2 נקודות לכל שקל');
    expect(await page.getByTestId('rule-status').first().innerText()).toBe('פעיל');
    await check(page, 'he', 'loyalty-rules');
  });

  it('shows no referrals, then the friend referred through the API, waiting for a first purchase', async () => {
    await page.goto(`${baseUrl}/loyalty/referrals`);
    await page.getByTestId('referrals-empty').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('הפניות חברים');
    await page.getByTestId('referral-settings').waitFor();
    await check(page, 'he', 'loyalty-referrals-empty');

    // Gil joins the club with Ruti's code, as a till or web store would send it.
    const link = await api<{ code: string; link: string }>(page, 'GET', `/loyalty/members/${rutiId}/referral-link`);
    expect(link.status).toBe(200);
    const gil = await customerId(page, 'ברק', gilPerson);
    const enrolled = await api<{ referral?: { status: string } }>(page, 'POST', '/loyalty/members', {
      customerId: gil,
      messagesConsent: false,
      referralCode: link.body.code,
    });
    expect(enrolled.status).toBe(201);
    expect(enrolled.body.referral?.status).toBe('pending');

    await page.reload();
    await page.getByTestId('referral-row').first().waitFor();
    expect(await page.getByTestId('referral-row').count()).toBe(1);
    const row = page.getByTestId('referral-row').first();
    expect(await row.getAttribute('data-status')).toBe('pending');
    expect(await row.getByTestId('referral-status').innerText()).toBe('ממתינה לקנייה ראשונה');
    const text = await row.innerText();
    expect(text).toContain('אלמוג');
    expect(text).toContain('ברק');
    expect(text).toContain(link.body.code);
    await check(page, 'he', 'loyalty-referrals');
    // The filter's other statuses have nothing yet, and say so.
    await page.getByTestId('referrals-filter').getByText('אושרו').click();
    await page.getByTestId('referrals-empty').waitFor();
    await check(page, 'he', 'loyalty-referrals-filtered');
  });

  it('makes a draw through the form under the permit notice, draws it and verifies the draw', async () => {
    await page.goto(`${baseUrl}/loyalty/contests`);
    await page.getByTestId('contests-empty').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('תחרויות');
    expect(await page.getByTestId('contest-law-notice').innerText()).toContain('היתר');
    await check(page, 'he', 'loyalty-contests-empty');

    await page.getByTestId('contest-new').click();
    await page.getByTestId('contest-form').waitFor();
    await page.getByTestId('contest-kind').getByText('הגרלה').click();
    const notice = page.getByTestId('contest-form').getByTestId('contest-law-notice');
    expect(await notice.innerText()).toContain('חוק העונשין (סעיף 231)');
    await page.getByTestId('contest-name').fill(contestName);
    await page.getByTestId('contest-prize').fill('סל מאפים לחג');
    await page.getByTestId('contest-description').fill('בין כל חברי המועדון, ללא עלות.');
    await checkDialog(page, 'he', 'loyalty-contest-new');
    await page.getByTestId('contest-submit').click();
    await page.getByTestId('loyalty-contest').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(contestName);
    expect(await page.getByTestId('contest-law-notice').innerText()).toContain('היתר');
    await page.getByTestId('contest-undecided').waitFor();
    await check(page, 'he', 'loyalty-contest-open');

    await page.getByTestId('contest-draw').click();
    await page.getByTestId('contest-draw-confirm').waitFor();
    await checkDialog(page, 'he', 'loyalty-contest-draw-confirm');
    await page.getByTestId('contest-draw-confirm').click();
    await page.getByTestId('contest-record').waitFor();
    expect(await page.getByTestId('contest-status').first().innerText()).toBe('הוכרעה');
    expect(Number(await page.getByTestId('contest-entrants-count').innerText())).toBeGreaterThanOrEqual(2);
    expect(await page.getByTestId('contest-winner').count()).toBe(1);
    expect(await page.getByTestId('contest-seed').inputValue()).toMatch(/^[0-9a-f]{64}$/);
    await page.getByTestId('contest-verify').click();
    await page.getByTestId('contest-verify-result').waitFor();
    expect(await page.getByTestId('contest-verify-result').getAttribute('data-matches')).toBe('true');
    expect(await page.getByTestId('contest-verify-result').innerText()).toContain('אומת');
    await check(page, 'he', 'loyalty-contest-drawn');

    await page.getByTestId('loyalty-contest').getByRole('link', { name: 'תחרויות' }).click();
    await page.getByTestId('contest-row').first().waitFor();
    expect(await page.getByTestId('contest-row').first().innerText()).toContain(contestName);
    await check(page, 'he', 'loyalty-contests');
  });

  it('shows the member’s referral code, share link and WhatsApp button on her club card', async () => {
    await page.goto(`${baseUrl}/customers/${rutiId}`);
    const share = page.getByTestId('referral-share');
    await share.waitFor();
    const code = (await share.getByTestId('referral-code').innerText()).trim();
    expect(code.length).toBeGreaterThan(0);
    const link = page.getByTestId('referral-link');
    await expect.poll(() => link.inputValue()).toContain(`/join?ref=${encodeURIComponent(code)}`);
    expect(await link.inputValue()).toMatch(/^https?:\/\/[^/]+\/club\/[^/]+\/join\?ref=/);
    const whatsApp = share.getByTestId('referral-whatsapp');
    const href = (await whatsApp.getAttribute('href')) ?? '';
    expect(href.startsWith('https://wa.me/?text=')).toBe(true);
    const invitation = decodeURIComponent(href.slice('https://wa.me/?text='.length));
    expect(invitation).toContain(await link.inputValue());
    expect(invitation).toContain('היי!');
    expect(await whatsApp.innerText()).toBe('שיתוף בוואטסאפ');
    await share.scrollIntoViewIfNeeded();
    await check(page, 'he', 'loyalty-card-referral');
  });
});

describe('the club’s rules, referrals and contests in English (LTR)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'en'));
    await login(page, baseUrl);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('shows the rules, and words the refused end date in English', async () => {
    await page.goto(`${baseUrl}/loyalty/rules`);
    await page.getByTestId('rule-row').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
    expect(plain(await page.getByTestId('rule-row').first().innerText())).toContain('2 points a shekel');
    await check(page, 'en', 'loyalty-rules');
    await page.getByTestId('rule-edit').first().click();
    await page.getByTestId('rule-form').waitFor();
    expect(await page.getByTestId('rule-name').inputValue()).toBe(ruleName);
    const starts = await page.getByTestId('rule-starts').inputValue();
    await page.getByTestId('rule-ends').fill(starts);
    await page.getByTestId('rule-submit').click();
    const ends = page.locator('.mantine-InputWrapper-root', { has: page.getByTestId('rule-ends') });
    await ends.locator('[aria-invalid="true"]').waitFor();
    expect(await ends.innerText()).toMatch(/end.*after.*start/i);
    await checkDialog(page, 'en', 'loyalty-rule-dates-refused');
    await page.keyboard.press('Escape');
    await page.getByTestId('rule-form').waitFor({ state: 'detached' });
  });

  it('shows the referral, the contests and the drawn contest', async () => {
    await page.goto(`${baseUrl}/loyalty/referrals`);
    await page.getByTestId('referral-row').first().waitFor();
    expect(await page.getByTestId('referral-status').first().innerText()).toBe('Waiting for a first purchase');
    await check(page, 'en', 'loyalty-referrals');

    await page.goto(`${baseUrl}/loyalty/contests`);
    await page.getByTestId('contest-row').first().waitFor();
    expect(await page.getByTestId('contest-law-notice').innerText()).toContain('permit');
    await check(page, 'en', 'loyalty-contests');
    await page.getByTestId('contest-open').first().click();
    await page.getByTestId('contest-record').waitFor();
    await page.getByTestId('contest-verify').click();
    await page.getByTestId('contest-verify-result').waitFor();
    expect(await page.getByTestId('contest-verify-result').getAttribute('data-matches')).toBe('true');
    await check(page, 'en', 'loyalty-contest-drawn');

    await page.getByTestId('loyalty-contest').getByRole('link', { name: 'Contests' }).click();
    await page.getByTestId('contest-new').click();
    await page.getByTestId('contest-form').waitFor();
    expect(await page.getByTestId('contest-form').getByTestId('contest-law-notice').innerText()).toContain('permit');
    await checkDialog(page, 'en', 'loyalty-contest-new');
    await page.keyboard.press('Escape');
    await page.getByTestId('contest-form').waitFor({ state: 'detached' });
  });

  it('shows the referral link and WhatsApp button on the member’s card', async () => {
    await page.goto(`${baseUrl}/customers/${rutiId}`);
    const share = page.getByTestId('referral-share');
    await share.waitFor();
    await expect.poll(() => page.getByTestId('referral-link').inputValue()).toContain('/join?ref=');
    const link = await page.getByTestId('referral-link').inputValue();
    const href = (await share.getByTestId('referral-whatsapp').getAttribute('href')) ?? '';
    expect(href.startsWith('https://wa.me/?text=')).toBe(true);
    const invitation = decodeURIComponent(href.slice('https://wa.me/?text='.length));
    expect(invitation).toContain(link);
    expect(invitation).toMatch(/^Hi! I’m a member of \S/);
    await share.scrollIntoViewIfNeeded();
    await check(page, 'en', 'loyalty-card-referral');
  });
});
