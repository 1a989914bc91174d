import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';

/** The business owner that the first e2e file creates on the setup page; later files log in as it. */
export const owner = { email: 'owner@e2e.klient.co.il', password: 'a-long-e2e-password' };

// Row 4 of the file (the header is row 1) has a phone that is no phone.
export const customersCsv = [
  'מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל',
  'E2E-1,רותי,אלמוג,050-7001001,ruti@example.co.il',
  'E2E-2,גיל,ברק,052-7002002,gil@example.co.il',
  'E2E-3,אסנת,גולן,12345,osnat@example.co.il',
  'E2E-4,Michael,Stone,+972-54-700-4004,michael@example.com',
].join('\n');

/** Writes the customers CSV to a temporary file (with a Hebrew name) and returns its path. */
export function customersCsvFile(): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'klient-e2e-csv-')), 'לקוחות.csv');
  fs.writeFileSync(file, customersCsv);
  return file;
}

/**
 * A customers CSV of `rows` made-up people, long enough that the import preview reads only its head
 * (the first 200 rows) and estimates the rest from the bytes they took. Names and emails vary in length,
 * so the estimate is near the count but need not be it.
 */
export function bigCustomersCsvFile(rows = 1000): string {
  const first = ['נועה', 'אביגיל', 'דן', 'יהונתן', 'מיכל', 'Tom', 'Alexandra'];
  const last = ['כהן', 'לוי', 'בן־דוד', 'אברהמי', 'Stone', 'Rosenberg'];
  const lines = ['מספר לקוח,שם פרטי,שם משפחה,טלפון,דוא"ל'];
  for (let i = 1; i <= rows; i++) {
    const phone = `054-${String(8_000_000 + i).padStart(7, '0')}`;
    const email = `${'x'.repeat(i % 13)}big${i}@example.co.il`;
    lines.push(`BIG-${i},${first[i % first.length]},${last[i % last.length]},${phone},${email}`);
  }
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'klient-e2e-csv-')), 'big-customers.csv');
  fs.writeFileSync(file, lines.join('\n'));
  return file;
}

export async function login(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByTestId('login-email').fill(owner.email);
  await page.getByTestId('login-password').fill(owner.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('business-name').first().waitFor();
}

export async function openNav(page: Page, href: string) {
  // On a phone the navigation hides behind the burger.
  const burger = page.getByTestId('nav-burger');
  if (await burger.isVisible()) await burger.click();
  await page.locator(`[data-testid="navbar"] a[href="${href}"]`).first().click();
}
