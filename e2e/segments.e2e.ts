import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, expectNoSidewaysScroll } from './accessibility.ts';
import { login, openNav, owner } from './app.ts';
import { afterLayout, desktop, launchBrowser, newPage, phone, shot } from './browser.ts';

/**
 * Segments, as a marketer builds one: the empty list says what a segment is, the rule builder counts live as
 * rules are added (a tag, a city, all or any, a group of "any of these"), a wrong rule is named on its own row in
 * the UI language, the saved segment shows its members with links to their pages, and in English it is
 * changed, refreshed and deleted. Every screen passes axe on a desktop and on a 390-pixel phone, in both languages.
 */

// Runs after main-flows.e2e.ts (see the sequencer in vitest.config.ts); alone, it sets the business up itself.
const baseUrl = inject('baseUrl');
let browser: Browser;
let segmentUrl = '';

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

// Three customers of this file's own: two with the winter tag (one in Haifa, one in Tel Aviv), one in Haifa only.
const winterTag = 'חורף-קהלים';
const people = [
  {
    firstName: 'נגה',
    lastName: 'שחר',
    email: 'noga.segments@example.co.il',
    tags: [winterTag, 'vip'],
    address: { city: 'חיפה' },
  },
  {
    firstName: 'עומר',
    lastName: 'גלעד',
    email: 'omer.segments@example.co.il',
    tags: [winterTag],
    address: { city: 'תל אביב' },
  },
  { firstName: 'יעל', lastName: 'כרמי', email: 'yael.segments@example.co.il', tags: [], address: { city: 'חיפה' } },
];

async function ensureCustomers(page: Page) {
  for (const person of people) {
    const found = await api<{ items: unknown[] }>(page, 'GET', `/customers?q=${encodeURIComponent(person.email)}`);
    if (found.body.items.length > 0) continue;
    const made = await api(page, 'POST', '/customers', person);
    expect(made.status).toBe(201);
  }
}

/** Picks an option of a Mantine select (searchable or not) by its visible name. */
async function choose(page: Page, input: ReturnType<Page['getByTestId']>, option: string, search = true) {
  await input.click();
  if (search) await input.fill(option);
  await page.getByRole('option', { name: option, exact: true }).click();
}

const count = (page: Page) => page.getByTestId('segment-count').getAttribute('data-count');
const rule = (page: Page, i: number) =>
  page.locator('[data-testid="rule-builder"] > div > [data-testid="segment-rule"]').nth(i);

describe('segments in Hebrew (RTL)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'he'));
    await signIn(page);
    await ensureCustomers(page);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('is in the menu and, with no segment yet, says what a segment is and offers to make one', async () => {
    // Other files (campaigns) may have saved segments in this business already: the list answers empty here.
    const list = (url: URL) => url.pathname === '/api/v1/segments';
    await page.route(list, (route) =>
      route.request().method() === 'GET' ? route.fulfill({ json: { items: [], nextCursor: null } }) : route.continue(),
    );
    await openNav(page, '/segments');
    await page.getByTestId('segments-empty').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('קהלים');
    expect(await page.getByTestId('segments-empty').innerText()).toContain('קבוצת לקוחות שנבחרת לפי כללים');
    await check(page, 'he', 'segments-empty');
    await page.unroute(list);
  });

  it('asks for a name and for the rule left unfinished before saving', async () => {
    await page.getByTestId('segment-new-button').click();
    await page.getByTestId('segment-new').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('קהל חדש');
    // No rule yet: every active customer counts.
    await expect.poll(() => count(page)).not.toBeNull();
    expect(Number(await count(page))).toBeGreaterThanOrEqual(3);
    await check(page, 'he', 'segment-new');
    await page.getByTestId('add-rule').click();
    await page.getByTestId('segment-save').click();
    await page.getByTestId('segment-incomplete').waitFor();
    expect(await rule(page, 0).innerText()).toContain('יש למלא');
    expect(await page.getByTestId('segment-name').getAttribute('aria-invalid')).toBe('true');
    await expectAccessible(page, 'he-desktop-segment-incomplete');
  });

  it('counts live as rules are added: a tag, a city, all or any, and a group', async () => {
    await choose(page, rule(page, 0).getByTestId('rule-field'), 'תגיות');
    // The tags field's first operator, in words.
    expect(await rule(page, 0).getByTestId('rule-op').inputValue()).toBe('יש לפחות אחד מ־');
    await rule(page, 0).getByTestId('rule-value').fill(winterTag);
    await rule(page, 0).getByTestId('rule-value').press('Enter');
    await expect.poll(() => count(page)).toBe('2');
    expect(await page.getByTestId('segment-count').innerText()).toContain('2 לקוחות עונים על הכללים');
    await expect.poll(() => page.getByTestId('segment-customer').count()).toBe(2);

    await page.getByTestId('add-rule').click();
    await choose(page, rule(page, 1).getByTestId('rule-field'), 'עיר');
    await rule(page, 1).getByTestId('rule-value').fill('חיפה');
    await expect.poll(() => count(page)).toBe('1');
    expect(await page.getByTestId('segment-count').innerText()).toContain('לקוח אחד עונה על הכללים');
    expect(await page.getByTestId('rule-joiner').first().innerText()).toBe('וגם');

    // Any of the two: the winter tag or Haifa.
    await page.getByTestId('segment-match').getByText('לפחות אחד מהכללים').click();
    await expect.poll(() => count(page)).toBe('3');
    expect(await page.getByTestId('rule-joiner').first().innerText()).toBe('או');
    await page.getByTestId('segment-match').getByText('כל הכללים האלה').click();
    await expect.poll(() => count(page)).toBe('1');

    // The city moves into a group of its own: Haifa or Jerusalem, and still the winter tag.
    await rule(page, 1).getByTestId('rule-remove').click();
    await expect.poll(() => count(page)).toBe('2');
    await page.getByTestId('add-group').click();
    const group = page.getByTestId('segment-group');
    await choose(page, group.getByTestId('segment-rule').nth(0).getByTestId('rule-field'), 'עיר');
    await group.getByTestId('segment-rule').nth(0).getByTestId('rule-value').fill('חיפה');
    await group.getByTestId('group-add-rule').click();
    await choose(page, group.getByTestId('segment-rule').nth(1).getByTestId('rule-field'), 'עיר');
    await group.getByTestId('segment-rule').nth(1).getByTestId('rule-value').fill('ירושלים');
    await expect.poll(() => count(page)).toBe('1');
    await expect.poll(() => page.getByTestId('segment-customer').first().innerText()).toContain('נגה שחר');
    await check(page, 'he', 'segment-builder');
  });

  it('names a wrong rule on its own row, in Hebrew, and counts again once it is gone', async () => {
    await page.getByTestId('add-rule').click();
    const wrong = rule(page, 1);
    await choose(page, wrong.getByTestId('rule-field'), 'מספר הזמנות');
    await choose(page, wrong.getByTestId('rule-op'), 'בין', false);
    await wrong.getByTestId('rule-value-from').fill('5');
    await wrong.getByTestId('rule-value-to').fill('1');
    await expect.poll(() => wrong.getAttribute('data-invalid')).toBe('true');
    expect(await wrong.innerText()).toContain('תחילת הטווח צריכה להיות לפני סופו');
    expect(await page.getByTestId('segment-count').innerText()).toContain('תקנו את הכללים המסומנים');
    await check(page, 'he', 'segment-rule-error');
    await wrong.getByTestId('rule-remove').click();
    await expect.poll(() => count(page)).toBe('1');
  });

  it('saves the segment and shows its members, each a link to the customer’s page', async () => {
    await page.getByTestId('segment-name').fill('לקוחות חורף בחיפה');
    await page.getByTestId('segment-description').fill('למבצע החורף בצפון');
    await choose(page, page.getByTestId('segment-schedule'), 'כל שעה', false);
    await page.getByTestId('segment-save').click();
    await page.getByTestId('segment-page').waitFor();
    segmentUrl = page.url();
    expect(segmentUrl).toMatch(/\/segments\/[0-9a-f-]{36}$/);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('לקוחות חורף בחיפה');
    expect(await page.getByTestId('segment-counted').getAttribute('data-count')).toBe('1');
    expect(await page.getByTestId('segment-counted').innerText()).toContain('כל שעה');
    const members = page.getByTestId('segment-members');
    await members.getByTestId('segment-customer').first().waitFor();
    expect(await members.getByTestId('segment-customer').count()).toBe(1);
    // The saved rules come back into the builder as they were.
    expect(await page.getByTestId('segment-group').getByTestId('segment-rule').count()).toBe(2);
    await expect.poll(() => count(page)).toBe('1');
    await check(page, 'he', 'segment-saved');

    await members.getByRole('link', { name: 'נגה שחר' }).click();
    await page.getByTestId('customer-360').waitFor();
    expect(page.url()).toMatch(/\/customers\/[0-9a-f-]{36}$/);

    // Loaded afresh: the customer page's growing text boxes leave a hidden copy in the page, as wide as the
    // desktop's, which would stick out once the window is narrowed in place (as the loyalty tests found).
    await page.goto(`${baseUrl}/segments`);
    await page.getByTestId('segment-row').first().waitFor();
    const row = page.getByTestId('segment-row').filter({ hasText: 'לקוחות חורף בחיפה' });
    expect(await row.getByTestId('segment-row-count').innerText()).toBe('1');
    expect(await row.innerText()).toContain('כל שעה');
    await check(page, 'he', 'segments-list');
  });
});

describe('segments in English (LTR)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'en'));
    await login(page, baseUrl);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('lists the segment and opens it, in English', async () => {
    await openNav(page, '/segments');
    await page.getByTestId('segment-row').first().waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Segments');
    expect(await page.getByTestId('segment-row').first().innerText()).toContain('Every hour');
    await check(page, 'en', 'segments-list');
    await page.getByTestId('segment-open').first().click();
    await page.getByTestId('segment-page').waitFor();
    await expect.poll(() => count(page)).toBe('1');
    expect(await page.getByTestId('segment-count').innerText()).toContain('1 customer matches');
    expect(await rule(page, 0).getByTestId('rule-field').inputValue()).toBe('Tags');
    expect(await rule(page, 0).getByTestId('rule-op').inputValue()).toBe('has any of');
    await check(page, 'en', 'segment-saved');
  });

  it('changes the rules with a period field, saves, refreshes and deletes the segment', async () => {
    await page.getByTestId('add-rule').click();
    const spend = rule(page, 1);
    await choose(page, spend.getByTestId('rule-field'), 'Spend (₪)');
    await choose(page, spend.getByTestId('rule-op'), 'is at least', false);
    await spend.getByTestId('rule-value').fill('100');
    await spend.getByTestId('rule-within-days').fill('30');
    await expect.poll(() => count(page)).toBe('0');
    expect(await page.getByTestId('segment-preview').innerText()).toContain('No customer matches these rules now.');
    await check(page, 'en', 'segment-editing');
    await page.getByTestId('segment-save').click();
    await expect.poll(() => page.getByTestId('segment-counted').getAttribute('data-count')).toBe('0');
    await page.getByTestId('segment-members').getByText('The segment has no members now.').waitFor();

    await spend.getByTestId('rule-remove').click();
    await page.getByTestId('segment-save').click();
    await expect.poll(() => page.getByTestId('segment-counted').getAttribute('data-count')).toBe('1');
    await page.getByTestId('segment-refresh').click();
    await page.getByText('The members were refreshed').waitFor();

    await page.getByTestId('segment-delete').click();
    await page.getByTestId('segment-delete-confirm').waitFor();
    // Once the dialog has finished fading in.
    await page.waitForTimeout(300);
    await expectAccessible(page, 'en-desktop-segment-delete');
    await shot(page, 'en-desktop-segment-delete');
    await page.getByTestId('segment-delete-confirm').click();
    await page.waitForURL(`${baseUrl}/segments`);
    await page.locator('[data-testid="segments-list"], [data-testid="segments-empty"]').first().waitFor();
    const deletedId = new URL(segmentUrl).pathname.split('/').at(-1);
    await expect.poll(() => page.locator(`[data-segment-id="${deletedId}"]`).count()).toBe(0);
    const gone = await api(page, 'GET', new URL(segmentUrl).pathname.replace(/^\//, '/'));
    expect(gone.status).toBe(404);
  });

  it('says a segment that is gone is not found', async () => {
    await page.goto(segmentUrl);
    await page.getByTestId('segment-missing').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Segment not found');
    await check(page, 'en', 'segment-missing');
  });
});
