import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, expectNoSidewaysScroll } from './accessibility.ts';
import { login, openNav, owner } from './app.ts';
import { afterLayout, desktop, launchBrowser, newPage, phone, shot } from './browser.ts';

/**
 * Campaigns, as a marketer sends one: the empty screen says to make a template and then a campaign; an email
 * template is built of blocks (added, edited, moved, removed) with a preview in a sandboxed frame, an SMS one
 * counts its characters and parts as it is typed; a campaign to a segment (made through the API, of three
 * customers, one of whom never agreed to marketing) is saved, sent after a confirm, and its report reaches
 * 'sent' with two emails and one 'no consent'. In English the report and the editors read in English. Every
 * screen passes axe on a desktop and on a 390-pixel phone, in both languages.
 */

// Runs after main-flows.e2e.ts (see the sequencer in vitest.config.ts); alone, it sets the business up itself.
const baseUrl = inject('baseUrl');
let browser: Browser;
let campaignUrl = '';
let templateUrl = '';

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

// Three customers of this file's own, all with its tag: two agreed to marketing email, one never did.
const tag = 'קמפיין-חנוכה';
const granted = [{ channel: 'email', status: 'granted', source: 'e2e' }];
const people = [
  { firstName: 'דנה', lastName: 'אור', email: 'dana.campaigns@example.co.il', tags: [tag], consents: granted },
  { firstName: 'רון', lastName: 'לבנון', email: 'ron.campaigns@example.co.il', tags: [tag], consents: granted },
  { firstName: 'מיכל', lastName: 'ים', email: 'michal.campaigns@example.co.il', tags: [tag] },
];
const segmentName = 'לקוחות חנוכה';
const templateName = 'מבצע חנוכה במייל';
const campaignName = 'מבצע חנוכה';

async function ensureAudience(page: Page) {
  for (const person of people) {
    const found = await api<{ items: unknown[] }>(page, 'GET', `/customers?q=${encodeURIComponent(person.email)}`);
    if (found.body.items.length > 0) continue;
    const made = await api(page, 'POST', '/customers?allowDuplicate=true', person);
    expect(made.status).toBe(201);
  }
  const segments = await api<{ items: { name: string }[] }>(page, 'GET', '/segments');
  if (segments.body.items.some((s) => s.name === segmentName)) return;
  const made = await api(page, 'POST', '/segments', {
    name: segmentName,
    description: null,
    schedule: 'manual',
    rules: { match: 'all', rules: [{ field: 'customer.tags', op: 'has_any', value: [tag] }] },
  });
  expect(made.status).toBe(201);
}

/** Picks an option of a Mantine select (searchable or not) by its visible name. */
async function choose(page: Page, input: ReturnType<Page['getByTestId']>, option: string, search = true) {
  await input.click();
  if (search) await input.fill(option);
  await page.getByRole('option', { name: option, exact: true }).click();
}

const count = (page: Page, testId: string) => page.getByTestId(testId).getAttribute('data-count');

describe('campaigns in Hebrew (RTL)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'he'));
    await signIn(page);
    await ensureAudience(page);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('is in the menu and, with nothing yet, says to make a template and then a campaign', async () => {
    await openNav(page, '/campaigns');
    await page.getByTestId('campaigns-empty').waitFor();
    await page.getByTestId('templates-empty').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('קמפיינים');
    expect(await page.getByTestId('campaigns-empty').innerText()).toContain('צרו קודם תבנית');
    await check(page, 'he', 'campaigns-empty');
  });

  it('builds an email template of blocks, with a preview in a sandboxed frame', async () => {
    await page.getByTestId('templates-empty').getByTestId('template-new-button').click();
    await page.getByTestId('template-new').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('תבנית חדשה');
    // Nothing filled in: the name and the subject are asked for.
    await page.getByTestId('template-save').click();
    expect(await page.getByTestId('template-name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('template-subject').getAttribute('aria-invalid')).toBe('true');

    await page.getByTestId('template-name').fill(templateName);
    await page.getByTestId('template-subject').fill('{{firstName}}, חנוכה שמח מהמאפייה');
    const blocks = page.getByTestId('template-block');
    await blocks.nth(0).getByTestId('block-text').fill('סופגניות במבצע');
    await blocks.nth(1).getByTestId('block-text').fill('שלום {{firstName}}, כל הסופגניות ב־20% הנחה עד סוף החג.');
    await page.getByTestId('block-add-divider').click();
    await page.getByTestId('block-add-button').click();
    await blocks.nth(3).getByTestId('block-text').fill('להזמנה');
    await blocks.nth(3).getByTestId('block-url').fill('https://example.co.il/order');
    // The button goes above the divider, and the divider is then removed.
    await blocks.nth(3).getByTestId('block-up').click();
    expect(await blocks.nth(2).getAttribute('data-type')).toBe('button');
    await blocks.nth(3).getByTestId('block-remove').click();
    expect(await blocks.count()).toBe(3);
    expect(await blocks.nth(0).getByTestId('block-up').isDisabled()).toBe(true);

    const frame = page.getByTestId('template-preview-frame');
    expect(await frame.getAttribute('sandbox')).toBe('');
    expect(await frame.getAttribute('srcdoc')).toContain('סופגניות במבצע');
    expect(await frame.getAttribute('srcdoc')).toContain('dir="rtl"');
    expect(await page.getByTestId('template-added-note').innerText()).toContain('פרסומת');
    await check(page, 'he', 'template-email');

    await page.getByTestId('template-save').click();
    await page.getByTestId('template-page').waitFor();
    templateUrl = page.url();
    expect(templateUrl).toMatch(/\/campaigns\/templates\/[0-9a-f-]{36}$/);
    // Loaded afresh: the editor's growing text boxes leave a hidden copy in the page, as wide as the desktop's,
    // which would stick out once the window is narrowed in place (as the segments and loyalty tests found).
    await page.goto(templateUrl);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(templateName);
    // The server's rendering, as sent: the advertisement mark first in the subject, the blocks in the body.
    await page.getByTestId('template-preview-subject').waitFor();
    expect(await page.getByTestId('template-preview-subject').innerText()).toContain('פרסומת');
    expect(await page.getByTestId('template-preview-frame').getAttribute('srcdoc')).toContain('להזמנה');
    await check(page, 'he', 'template-saved');
  });

  it('counts an SMS in characters and parts as it is typed (Hebrew: 70 in one, 67 a part after)', async () => {
    await page.goto(`${baseUrl}/campaigns/templates/new`);
    await page.getByTestId('template-new').waitFor();
    await page.getByRole('radio', { name: 'SMS' }).check();
    const text = page.getByTestId('template-sms-text');
    await text.waitFor();
    await text.fill('א'.repeat(70));
    await expect.poll(() => page.getByTestId('sms-counter').getAttribute('data-parts')).toBe('1');
    expect(await page.getByTestId('sms-counter').innerText()).toContain('70 תווים · הודעת SMS אחת');
    await text.fill('א'.repeat(71));
    await expect.poll(() => page.getByTestId('sms-counter').getAttribute('data-parts')).toBe('2');
    await text.fill('Hanukkah sale: 20% off all doughnuts');
    await expect.poll(() => page.getByTestId('sms-counter').getAttribute('data-parts')).toBe('1');
    expect(await page.getByTestId('sms-counter').innerText()).toContain('160');
    await text.fill('{{firstName}}, סופגניות ב־20% הנחה עד סוף החג!');
    await page.getByTestId('template-name').fill('מבצע חנוכה ב־SMS');
    await check(page, 'he', 'template-sms');
    await page.getByTestId('template-save').click();
    await page.getByTestId('template-page').waitFor();
    await page.goto(page.url());
    // As sent, with the mark, the sender and the way out: more than the text alone.
    await page.getByTestId('template-preview-parts').waitFor();
    expect(await page.getByTestId('template-preview-sms').innerText()).toContain('פרסומת');
    await check(page, 'he', 'template-sms-saved');
  });

  it('makes a campaign to the segment, sends it after a confirm, and the report reaches sent', async () => {
    await page.goto(`${baseUrl}/campaigns`);
    await page.getByTestId('template-row').first().waitFor();
    expect(await page.getByTestId('template-row').count()).toBe(2);
    await page.getByTestId('campaign-new-button').click();
    await page.getByTestId('campaign-new').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('קמפיין חדש');
    // Quiet hours are on unless turned off.
    expect(await page.getByRole('switch', { name: 'שמירה על שעות שקט' }).isChecked()).toBe(true);
    await page.getByTestId('campaign-save').click();
    expect(await page.getByTestId('campaign-name').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('campaign-email-template').getAttribute('aria-invalid')).toBe('true');

    await page.getByTestId('campaign-name').fill(campaignName);
    await choose(page, page.getByTestId('campaign-segment'), segmentName);
    await choose(page, page.getByTestId('campaign-email-template'), templateName, false);
    await page.getByRole('radio', { name: 'מייל לכולם' }).check();
    await check(page, 'he', 'campaign-new');
    // The test runs at any hour, Shabbat included: this campaign does not wait for quiet hours to end.
    await page.getByTestId('campaign-quiet').click();
    expect(await page.getByRole('switch', { name: 'שמירה על שעות שקט' }).isChecked()).toBe(false);
    await page.getByTestId('campaign-save').click();

    await page.getByTestId('campaign-page').waitFor();
    campaignUrl = page.url();
    expect(campaignUrl).toMatch(/\/campaigns\/[0-9a-f-]{36}$/);
    expect(await page.getByTestId('campaign-status').innerText()).toBe('טיוטה');
    expect(await page.getByTestId('campaign-report').innerText()).toContain('עוד אין נמענים');
    await check(page, 'he', 'campaign-draft');

    // A draft can still change: the same form, filled in with what was saved.
    await page.getByTestId('campaign-edit-link').click();
    await page.getByTestId('campaign-edit').waitFor();
    await page.getByTestId('campaign-form').waitFor();
    expect(await page.getByTestId('campaign-name').inputValue()).toBe(campaignName);
    expect(await page.getByRole('switch', { name: 'שמירה על שעות שקט' }).isChecked()).toBe(false);
    await check(page, 'he', 'campaign-edit');
    await page.getByTestId('campaign-name').fill(`${campaignName} לכל המשפחה`);
    await page.getByTestId('campaign-save').click();
    await page.getByTestId('campaign-page').waitFor();
    expect(page.url()).toBe(campaignUrl);
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe(`${campaignName} לכל המשפחה`);

    await page.getByTestId('campaign-send').click();
    await page.getByTestId('campaign-send-confirm').waitFor();
    await page.waitForTimeout(300);
    expect(await page.getByTestId('campaign-send-modal').innerText()).toContain(campaignName);
    await expectAccessible(page, 'he-desktop-campaign-send');
    await shot(page, 'he-desktop-campaign-send');
    await page.getByTestId('campaign-send-confirm').click();

    // The page asks again every few seconds while it sends, until it is sent.
    await expect
      .poll(() => page.getByTestId('campaign-page').getAttribute('data-status'), { timeout: 60_000 })
      .toBe('sent');
    expect(await page.getByTestId('campaign-status').innerText()).toBe('נשלח');
    expect(await page.getByTestId('campaign-report').getAttribute('data-total')).toBe('3');
    expect(await count(page, 'report-sent')).toBe('2');
    expect(await count(page, 'report-skipped')).toBe('1');
    expect(await count(page, 'report-channel-email')).toBe('2');
    expect(await count(page, 'report-skipped-no_consent')).toBe('1');
    expect(await page.getByTestId('report-skipped-no_consent').innerText()).toContain('אין הסכמה לדיוור');
    expect(await page.getByTestId('report-skipped-no_consent').innerText()).toContain('1 מתוך 3');
    expect(await page.getByTestId('campaign-send').count()).toBe(0);
    await check(page, 'he', 'campaign-sent');

    await page.getByRole('link', { name: 'קמפיינים' }).first().click();
    await page.getByTestId('campaign-row').first().waitFor();
    const row = page.getByTestId('campaign-row').filter({ hasText: campaignName });
    expect(await row.getByTestId('campaign-row-status').innerText()).toBe('נשלח');
    expect(await row.getByTestId('campaign-row-recipients').innerText()).toBe('2 / 3');
    await check(page, 'he', 'campaigns-list');

    // A draft no one wants is deleted after a confirm; one that went out has no such button.
    const segments = await api<{ items: { id: string; name: string }[] }>(page, 'GET', '/segments');
    const templates = await api<{ items: { id: string; name: string }[] }>(page, 'GET', '/templates');
    const spare = await api<{ id: string }>(page, 'POST', '/campaigns', {
      name: 'טיוטה למחיקה',
      segmentId: segments.body.items.find((x) => x.name === segmentName)!.id,
      emailTemplateId: templates.body.items.find((x) => x.name === templateName)!.id,
      channelStrategy: 'email',
    });
    await page.goto(`${baseUrl}/campaigns/${spare.body.id}`);
    await page.getByTestId('campaign-delete').click();
    await page.getByTestId('campaign-delete-confirm').waitFor();
    expect(await page.getByTestId('campaign-delete-modal').innerText()).toContain('טיוטה למחיקה');
    await page.getByTestId('campaign-delete-confirm').click();
    await page.waitForURL(`${baseUrl}/campaigns`);
    await page.getByTestId('campaign-row').first().waitFor();
    expect(await page.getByTestId('campaign-row').filter({ hasText: 'טיוטה למחיקה' }).count()).toBe(0);
    await page.goto(campaignUrl);
    await page.getByTestId('campaign-page').waitFor();
    expect(await page.getByTestId('campaign-delete').count()).toBe(0);
    expect(await page.getByTestId('campaign-edit-link').count()).toBe(0);

    // The customer's page shows the message on her timeline: channel, subject, where it stands.
    const dana = await api<{ items: { id: string }[] }>(
      page,
      'GET',
      `/customers?q=${encodeURIComponent(people[0]!.email)}`,
    );
    await page.goto(`${baseUrl}/customers/${dana.body.items[0]!.id}`);
    const event = page.getByTestId('message-event').first();
    await event.waitFor();
    expect(await event.getAttribute('data-channel')).toBe('email');
    expect(await event.innerText()).toContain('דוא״ל');
    expect(await event.innerText()).toContain('פרסומת');
    await check(page, 'he', 'customer-with-campaign-message');
  });
});

describe('campaigns in English (LTR)', () => {
  let page: Page;

  beforeAll(async () => {
    ({ page } = await newPage(browser, desktop, 'en'));
    await login(page, baseUrl);
  });
  afterAll(async () => {
    await page.context().close();
  });

  it('lists the campaign and its templates, and shows its report in English', async () => {
    await openNav(page, '/campaigns');
    await page.getByTestId('campaign-row').first().waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Campaigns');
    expect(await page.getByTestId('campaign-row').first().innerText()).toContain('Sent');
    await check(page, 'en', 'campaigns-list');
    await page.getByTestId('campaign-open').first().click();
    await page.getByTestId('campaign-page').waitFor();
    expect(await page.getByTestId('campaign-status').innerText()).toBe('Sent');
    expect(await page.getByTestId('report-skipped-no_consent').innerText()).toContain('No consent to marketing');
    expect(await page.getByTestId('report-channel-email').innerText()).toContain('2 of 3');
    await check(page, 'en', 'campaign-sent');
  });

  it('shows the template as sent, and the editors in English', async () => {
    await page.goto(templateUrl);
    await page.getByTestId('template-preview-subject').waitFor();
    await check(page, 'en', 'template-saved');
    await page.goto(`${baseUrl}/campaigns/templates/new`);
    await page.getByTestId('template-new').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('New template');
    await page.getByTestId('block-add-button').click();
    expect(await page.getByTestId('template-preview-frame').getAttribute('srcdoc')).toContain('dir="ltr"');
    await check(page, 'en', 'template-email');
    await page.goto(`${baseUrl}/campaigns/new`);
    await page.getByTestId('campaign-new').waitFor();
    expect(await page.getByTestId('campaign-form').innerText()).toContain('Friday 14:00 to Saturday 20:00');
    await check(page, 'en', 'campaign-new');
  });

  it('says a campaign that does not exist is not found', async () => {
    await page.goto(`${baseUrl}/campaigns/00000000-0000-4000-8000-000000000000`);
    await page.getByTestId('campaign-missing').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Campaign not found');
  });
});
