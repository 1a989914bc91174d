import axe from 'axe-core';
import type { Page } from 'playwright-core';

/**
 * The accessibility bar for every screen (IS 5568 / WCAG 2.1 AA): axe-core's
 * WCAG 2.0 and 2.1 level A and AA rules, plus the structure rules a screen
 * reader user navigates by (one main landmark, a level-one heading, content
 * inside landmarks).
 */
const wcagTags = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const structureRules = ['landmark-one-main', 'page-has-heading-one', 'region'];
const blocking = new Set(['serious', 'critical']);

export type AxeViolation = {
  id: string;
  impact: string | null;
  help: string;
  tags: string[];
  nodes: Array<{ target: string; summary: string }>;
};

/** Runs axe-core in the page as it is now and returns what breaks the bar. */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  const present = await page.evaluate(() => typeof (window as { axe?: unknown }).axe !== 'undefined');
  if (!present) await page.evaluate(axe.source);
  return page.evaluate(
    async ({ tags, structure }) => {
      // Colours are read as the user sees them once things settle: a dialog fading in, a menu opening, or a
      // notification fading out while axe runs would be measured half-transparent. So, for the check only,
      // every transition and animation jumps to its end state, after two frames for pending ones to start.
      const settle = document.createElement('style');
      settle.textContent = '*, *::before, *::after { transition: none !important; animation: none !important; }';
      document.head.append(settle);
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const engine = (window as unknown as { axe: typeof import('axe-core') }).axe;
      const result = await engine
        .run(document, {
          runOnly: { type: 'tag', values: tags },
          rules: Object.fromEntries(structure.map((id) => [id, { enabled: true }])),
          resultTypes: ['violations'],
          elementRef: true,
        })
        .finally(() => settle.remove());
      // An open menu or list is drawn in a layer at the end of the page (Mantine's portal), outside the
      // landmarks, yet belongs to the control that opened it (aria-controls): "region" is not about it.
      // Nor about a tooltip that was fading out as axe ran and is gone from the page now (its portal with it).
      const inLayer = (el: Element | undefined) => !el?.isConnected || Boolean(el.closest('[data-portal]'));
      return result.violations
        .map((v) => (v.id === 'region' ? { ...v, nodes: v.nodes.filter((n) => !inLayer(n.element)) } : v))
        .filter((v) => v.nodes.length > 0)
        .map((v) => ({
          id: v.id,
          impact: v.impact ?? null,
          help: v.help,
          tags: v.tags,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
        }));
    },
    { tags: wcagTags, structure: structureRules },
  );
}

function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target}\n      ${n.summary.replace(/\n/g, '\n      ')}`)
          .join('\n')}${v.nodes.length > 5 ? `\n    … and ${v.nodes.length - 5} more` : ''}`,
    )
    .join('\n');
}

/**
 * Fails when the page, as it is now, has a serious or critical WCAG 2.1 A/AA
 * violation, or lacks its main landmark and level-one heading. Call it on
 * every screen a business or its customers use, in each language:
 * `await expectAccessible(page, 'he-desktop-settings-users')`.
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const violations = await accessibilityViolations(page);
  const failing = violations.filter((v) => blocking.has(v.impact ?? '') || structureRules.includes(v.id));
  if (failing.length > 0) {
    throw new Error(`${screen}: ${failing.length} accessibility violation(s)\n${describeViolations(failing)}`);
  }
}

/**
 * Fails unless the focused element shows a visible focus indicator: the
 * pixels around it differ between focused and not focused (an outline, a
 * ring, a border colour). Returns a short description of the element.
 */
export async function expectVisibleFocus(page: Page): Promise<string> {
  const box = await page.evaluate(() => {
    const el = document.activeElement;
    if (!(el instanceof HTMLElement) || el === document.body) return null;
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const r = el.getBoundingClientRect();
    (window as { __focused?: HTMLElement }).__focused = el;
    const name = el.getAttribute('aria-label') ?? el.getAttribute('data-testid') ?? el.textContent?.trim() ?? '';
    return {
      x: r.x,
      y: r.y,
      width: r.width,
      height: r.height,
      describe: `<${el.tagName.toLowerCase()}> ${name.slice(0, 40)}`,
      focusVisible: el.matches(':focus-visible'),
    };
  });
  if (!box) throw new Error('Nothing has the keyboard focus');
  if (!box.focusVisible) throw new Error(`${box.describe} has the focus but not :focus-visible`);
  const viewport = page.viewportSize() ?? { width: 1280, height: 800 };
  const pad = 6;
  const x = Math.max(0, box.x - pad);
  const y = Math.max(0, box.y - pad);
  const clip = {
    x,
    y,
    width: Math.max(1, Math.min(viewport.width - x, box.width + 2 * pad)),
    height: Math.max(1, Math.min(viewport.height - y, box.height + 2 * pad)),
  };
  const focused = await page.screenshot({ clip, animations: 'disabled' });
  await page.evaluate(() => (window as { __focused?: HTMLElement }).__focused?.blur());
  const unfocused = await page.screenshot({ clip, animations: 'disabled' });
  await page.evaluate(() => (window as { __focused?: HTMLElement }).__focused?.focus());
  if (focused.equals(unfocused)) throw new Error(`${box.describe} has the focus but shows no focus indicator`);
  return box.describe;
}

/**
 * Presses Tab (or Shift+Tab) until the focused element matches `selector`,
 * as a keyboard user would, and fails after `max` presses.
 */
export async function tabTo(
  page: Page,
  selector: string,
  options: { max?: number; backwards?: boolean } = {},
): Promise<void> {
  const max = options.max ?? 40;
  const key = options.backwards ? 'Shift+Tab' : 'Tab';
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return;
    await page.keyboard.press(key);
    seen.push(
      await page.evaluate(() => {
        const el = document.activeElement;
        if (!el) return '(nothing)';
        const id = el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.textContent?.trim() ?? '';
        return `<${el.tagName.toLowerCase()}> ${id.slice(0, 30)}`;
      }),
    );
  }
  throw new Error(
    `${max} presses of ${key} did not reach ${selector}; the focus went through:\n  ${seen.join('\n  ')}`,
  );
}

/**
 * Fails when the page, as it is now, scrolls sideways: the document is wider
 * than the window, or a box other than a table's own scroll area scrolls
 * horizontally. On a phone only a wide table may scroll, inside its frame.
 * Names what sticks out, so the fix can go to the right component.
 */
export async function expectNoSidewaysScroll(page: Page, screen: string): Promise<void> {
  const found = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const describe = (el: Element) => {
      const testId = el.closest('[data-testid]')?.getAttribute('data-testid');
      const cls = [...el.classList].find((c) => c.startsWith('mantine-')) ?? el.className.toString().split(' ')[0];
      const r = el.getBoundingClientRect();
      return `<${el.tagName.toLowerCase()}${cls ? `.${cls}` : ''}>${testId ? ` in ${testId}` : ''} (${Math.round(r.left)}…${Math.round(r.right)} of ${width}px): ${(el.textContent ?? '').trim().slice(0, 40)}`;
    };
    const scrollsSideways = (el: Element) =>
      /auto|scroll/.test(getComputedStyle(el).overflowX) && el.scrollWidth - el.clientWidth > 1;
    const tableFrame = (el: Element) => el.querySelector('table') !== null;
    const problems: string[] = [];
    const overflow = document.documentElement.scrollWidth - width;
    if (overflow > 1) {
      problems.push(`the page is ${overflow}px wider than the window`);
      // The deepest boxes that pass the window's edge and are not inside a sideways-scrolling frame.
      const culprits = [...document.body.querySelectorAll('*')].filter((el) => {
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || (r.right <= width + 1 && r.left >= -1)) return false;
        if (getComputedStyle(el).visibility === 'hidden') return false;
        let up = el.parentElement;
        while (up && up !== document.body) {
          if (scrollsSideways(up) || getComputedStyle(up).overflowX === 'hidden') return false;
          up = up.parentElement;
        }
        return ![...el.children].some((c) => {
          const cr = c.getBoundingClientRect();
          return cr.width > 0 && (cr.right > width + 1 || cr.left < -1);
        });
      });
      problems.push(...culprits.slice(0, 8).map((el) => `  sticks out: ${describe(el)}`));
    }
    for (const el of document.body.querySelectorAll('*')) {
      if (scrollsSideways(el) && !tableFrame(el)) problems.push(`  scrolls sideways: ${describe(el)}`);
    }
    return problems;
  });
  if (found.length > 0) throw new Error(`${screen}: scrolls sideways\n${found.join('\n')}`);
}
