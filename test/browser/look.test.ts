/**
 * How the console looks and behaves across pages in Debian's Chromium: phone widths, the dark
 * theme, no console errors or CSP violations, focus on each page's heading.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, SCREENSHOTS_DIR } from '../support/browser';
import { useConsole } from '../support/console-harness';

describe.skipIf(!CHROMIUM)('the console’s layout, themes and pages in Chromium', () => {
  const c = useConsole({ HOOKLINE_RETRY_SCHEDULE: '1s', HOOKLINE_MAX_ATTEMPTS: '2' });
  const { json, openPage, signIn, go, checkA11y, expectAccessible, screenshot } = c;

  it('fits a phone, and has a dark theme', async () => {
    await json(
      c.system.request('POST', '/v1/endpoints', {
        url: `${c.system.apiUrl}/sandbox/ui-phone`,
        description: 'Orders receiver',
      }),
      201,
    );
    const { page, errors } = await openPage();
    await signIn(page);
    await page.locator('[data-endpoint-id] .health').first().waitFor();
    await page.setViewportSize({ width: 390, height: 844 });
    await checkA11y(page, 'endpoints at 390 px');
    const overflow = await page.evaluate(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(SCREENSHOTS_DIR, 'phone.png') });
    for (const [route, heading] of [
      ['#/dead-letters', 'Dead letters'],
      ['#/events', 'Events'],
      ['#/endpoints', 'Endpoints'],
    ] as const) {
      await page.setViewportSize({ width: 360, height: 740 });
      await go(page, route, heading);
      expect(
        await page.evaluate(
          'document.documentElement.scrollWidth - document.documentElement.clientWidth',
        ),
        `${route} is wider than 360 px`,
      ).toBeLessThanOrEqual(0);
    }

    await page.setViewportSize({ width: 1280, height: 800 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.getByRole('button', { name: 'Dark theme' }).waitFor();
    await screenshot(page, 'dark');
    expect(
      await page.evaluate('getComputedStyle(document.documentElement).backgroundColor'),
    ).not.toBe('rgb(255, 255, 255)');

    // The toggle overrides the system's preference and is remembered (not a secret).
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('button', { name: 'Dark theme' }).click();
    expect(await page.evaluate("localStorage.getItem('hookline.theme')")).toBe('dark');
    await page.evaluate("localStorage.removeItem('hookline.theme')");
    expect(errors).toEqual([]);
    await page.close();
    expectAccessible();
  });

  it('loads every page with no console errors and no CSP violations, focusing each heading', async () => {
    const { page, errors } = await openPage();
    await signIn(page);
    for (const [route, heading] of [
      ['#/events', 'Events'],
      ['#/dead-letters', 'Dead letters'],
      ['#/catalog', 'Event catalog'],
      ['#/keys', 'API keys'],
      ['#/endpoints', 'Endpoints'],
    ] as const) {
      await go(page, route, heading);
      await expect.poll(() => page.evaluate('document.activeElement?.textContent')).toBe(heading);
    }
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });
});
