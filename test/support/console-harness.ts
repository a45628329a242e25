/**
 * One local system and one Chromium for a browser test file: the console served by local mode
 * at `/console/` with its CSP, the API, and the sandbox receiver. Call {@link useConsole} in a
 * `describe`; its fields are set once `beforeAll` has run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import {
  type AxeViolation,
  axeViolations,
  type Browser,
  formatViolations,
  launchBrowser,
  SCREENSHOTS_DIR,
  watchErrors,
} from './browser';
import { type LocalSystem, removeDataDir, startLocalSystem } from './local-system';

export interface CatalogEntry {
  type: string;
  example: unknown;
}

export interface ConsoleHarness {
  readonly system: LocalSystem;
  readonly browser: Browser;
  readonly consoleUrl: string;
  readonly catalog: readonly CatalogEntry[];
  json<T>(response: Response | Promise<Response>, status?: number): Promise<T>;
  openPage(): Promise<{ page: Page; errors: string[] }>;
  signIn(page: Page): Promise<void>;
  go(page: Page, route: string, heading: string | RegExp): Promise<void>;
  /** axe in the light and the dark theme; the page is left in light. */
  checkA11y(page: Page, where: string): Promise<void>;
  /** Fails on the serious or critical violations {@link checkA11y} found since the last call. */
  expectAccessible(): void;
  screenshot(page: Page, name: string): Promise<void>;
  publish(type: string, tenant?: string): Promise<string>;
  eventually<T>(what: string, check: () => Promise<T | undefined>, ms?: number): Promise<T>;
}

/** `env` for local mode, or a function giving it once the file's earlier `beforeAll`s ran. */
export function useConsole(
  env: Record<string, string> | (() => Record<string, string>) = {},
): ConsoleHarness {
  const a11y: string[] = [];
  const harness = {
    a11y,
    async json<T>(response: Response | Promise<Response>, status?: number): Promise<T> {
      const answer = await response;
      const text = await answer.text();
      if (status !== undefined) expect(answer.status, text).toBe(status);
      return (text ? JSON.parse(text) : undefined) as T;
    },
    async openPage() {
      const page = await harness.browser.newPage();
      return { page, errors: watchErrors(page) };
    },
    async signIn(page: Page) {
      await page.goto(harness.consoleUrl);
      await page.getByLabel('API key').fill(harness.system.apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Endpoints' }).waitFor();
    },
    async go(page: Page, route: string, heading: string | RegExp) {
      await page.evaluate(`location.hash = ${JSON.stringify(route)}`);
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
    },
    async checkA11y(page: Page, where: string) {
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        const violations: AxeViolation[] = await axeViolations(page);
        if (violations.length > 0)
          a11y.push(formatViolations(`${where} (${colorScheme})`, violations));
      }
      await page.emulateMedia({ colorScheme: 'light' });
    },
    expectAccessible() {
      const found = a11y.splice(0);
      expect(found, `axe found serious or critical violations:\n${found.join('\n')}`).toEqual([]);
    },
    async screenshot(page: Page, name: string) {
      await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}.png`) });
    },
    async publish(type: string, tenant?: string) {
      const entry = harness.catalog.find((e) => e.type === type);
      const event = await harness.json<{ id: string }>(
        harness.system.request('POST', '/v1/events', {
          type,
          data: entry?.example,
          ...(tenant && { tenant }),
        }),
        202,
      );
      return event.id;
    },
    async eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const value = await check();
        if (value !== undefined) return value;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((done) => setTimeout(done, 300));
      }
    },
  } as ConsoleHarness & {
    a11y: string[];
    system: LocalSystem;
    browser: Browser;
    consoleUrl: string;
    catalog: CatalogEntry[];
  };

  beforeAll(async () => {
    const localEnv = typeof env === 'function' ? env() : env;
    [harness.system, harness.browser] = await Promise.all([
      startLocalSystem(localEnv),
      launchBrowser(),
    ]);
    harness.consoleUrl = `${harness.system.apiUrl}/console/`;
    harness.catalog = (
      await harness.json<{ data: CatalogEntry[] }>(harness.system.request('GET', '/v1/event-types'))
    ).data;
    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await harness.browser?.close();
    await harness.system?.stop();
    if (harness.system) removeDataDir(harness.system.dataDir);
  });

  return harness;
}
