import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectAccessible, expectNoSidewaysScroll } from './accessibility.ts';
import { login } from './app.ts';
import { desktop, launchBrowser, newPage, phone, shot } from './browser.ts';

/**
 * The club as its customers meet it, on a phone: the public join page (terms and the club-messages consent),
 * then the member area, signed in by a one-time code sent through the outbox (read here from the staff's
 * outbox, as a business without SMTP reads it), showing the member's balance, tier and referral link.
 * Runs after loyalty-club.e2e.ts, which set the club up. Every screen passes axe, in Hebrew and in English.
 */

const baseUrl = inject('baseUrl');
let browser: Browser;
let staff: Page;
let publicKey = '';
const email = `portal-${Date.now()}@example.co.il`;

/** A staff GET from the logged-in page (its session cookie), as JSON. */
async function staffGet(url: string) {
  // biome-ignore lint/suspicious/noExplicitAny: a reply read loosely, as a client would
  return staff.evaluate(async (u) => (await fetch(u)).json() as Promise<any>, url);
}

beforeAll(async () => {
  browser = await launchBrowser();
  ({ page: staff } = await newPage(browser, desktop, 'he'));
  await login(staff, baseUrl);
  publicKey = (await staffGet('/api/v1/loyalty/program')).publicKey;
});
afterAll(async () => {
  await browser?.close();
});

/** The one-time code the outbox holds for `to`, newest first. */
async function codeSentTo(to: string): Promise<string> {
  for (let tries = 0; tries < 40; tries++) {
    const page = await staffGet('/api/v1/messaging/outbox?limit=50');
    const message = (page.items as { id: string; recipient: string }[]).find((m) => m.recipient === to);
    if (message) {
      const detail = await staffGet(`/api/v1/messaging/outbox/${message.id}`);
      const code = /\b(\d{6})\b/.exec(detail.text)?.[1];
      if (code) return code;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no code was sent to ${to}`);
}

async function check(page: Page, name: string) {
  await expectAccessible(page, name);
  await expectNoSidewaysScroll(page, name);
  await shot(page, name);
}

describe('the member portal on a phone', () => {
  it('lets a customer join on the club’s page, with the club-messages consent apart from the terms', async () => {
    expect(publicKey).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    const { page, context } = await newPage(browser, phone, 'he');
    try {
      await page.goto(`${baseUrl}/club/${publicKey}/join`);
      await page.getByTestId('portal-join-form').waitFor();
      expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
      await check(page, 'he-phone-portal-join');
      await page.getByTestId('portal-first-name').fill('תמר');
      await page.getByTestId('portal-last-name').fill('שושן');
      await page.getByTestId('portal-email').fill(email);
      // Without accepting the terms nothing is sent.
      await page.getByTestId('portal-join-submit').click();
      await expect.poll(() => page.getByTestId('portal-join-success').count()).toBe(0);
      await page.getByTestId('portal-accept-terms').check();
      await page.getByTestId('portal-messages-consent').check();
      await page.getByTestId('portal-join-submit').click();
      await page.getByTestId('portal-join-success').waitFor();
      await check(page, 'he-phone-portal-joined');
    } finally {
      await context.close();
    }
    const members = await staffGet('/api/v1/loyalty/members?limit=200');
    expect((members.items as { name: string | null }[]).some((m) => m.name === 'תמר שושן')).toBe(true);
  });

  it('signs the member in by a code sent to her email, and shows her balance, tier and referral link', async () => {
    const { page, context } = await newPage(browser, phone, 'he');
    try {
      await page.goto(`${baseUrl}/club/${publicKey}`);
      await page.getByTestId('portal-sign-in').waitFor();
      await check(page, 'he-phone-portal-sign-in');
      await page.getByTestId('portal-login-address').fill(email);
      await page.getByTestId('portal-login-send').click();
      await page.getByTestId('portal-code-sent').waitFor();
      await page.getByTestId('portal-login-code').fill(await codeSentTo(email));
      await page.getByTestId('portal-login-verify').click();
      await page.getByTestId('portal-home').waitFor();
      await page.getByTestId('portal-balance').waitFor();
      await page.getByTestId('portal-tier').waitFor();
      expect(await page.getByTestId('portal-referral-link').inputValue()).toContain(`/club/${publicKey}/join?ref=`);
      expect(await page.getByTestId('portal-whatsapp').getAttribute('href')).toMatch(/^https:\/\/wa\.me\/\?text=/);
      await check(page, 'he-phone-portal-home');
      // Signed out, the member area asks to sign in again.
      await page.getByTestId('portal-logout').click();
      await page.getByTestId('portal-sign-in').waitFor();
    } finally {
      await context.close();
    }
  });

  it('reads in English for an English browser, left to right', async () => {
    const { page, context } = await newPage(browser, phone, 'en');
    try {
      await page.goto(`${baseUrl}/club/${publicKey}/join`);
      await page.getByTestId('portal-join-form').waitFor();
      expect(await page.evaluate(() => document.documentElement.dir)).toBe('ltr');
      await check(page, 'en-phone-portal-join');
      await page.goto(`${baseUrl}/club/${publicKey}`);
      await page.getByTestId('portal-sign-in').waitFor();
      await check(page, 'en-phone-portal-sign-in');
    } finally {
      await context.close();
    }
  });

  it('says plainly when a club’s link is wrong', async () => {
    const { page, context } = await newPage(browser, phone, 'he');
    try {
      await page.goto(`${baseUrl}/club/not-a-club-key-at-all-000000/join`);
      await page.getByTestId('portal-not-found').waitFor();
    } finally {
      await context.close();
    }
  });
});
