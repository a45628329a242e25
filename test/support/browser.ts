import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type BrowserContext,
  type BrowserContextOptions,
  chromium,
  type Page,
} from 'playwright-core';

/**
 * Debian's Chromium, or the one `HOOKLINE_CHROMIUM` names (then only that one), driven by
 * playwright-core: no browser download. Undefined when none is found; the browser test
 * files then skip, saying so once.
 */
export const CHROMIUM: string | undefined = (
  process.env.HOOKLINE_CHROMIUM
    ? [process.env.HOOKLINE_CHROMIUM]
    : ['/usr/bin/chromium', '/usr/bin/chromium-browser']
).find((path) => existsSync(path));

if (!CHROMIUM) {
  console.warn(
    process.env.HOOKLINE_CHROMIUM
      ? `browser tests skipped: HOOKLINE_CHROMIUM names no file (${process.env.HOOKLINE_CHROMIUM})`
      : "browser tests skipped: no Chromium found (install Debian's chromium or set HOOKLINE_CHROMIUM)",
  );
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  readonly context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/**
 * One Chromium with a fresh profile. Every page gets axe-core and a CSP-violation listener
 * as init scripts: those run outside the page's CSP, which stays enforced (no bypassCSP).
 */
export async function launchBrowser(options: BrowserContextOptions = {}): Promise<Browser> {
  if (!CHROMIUM) throw new Error('no Chromium');
  const profile = mkdtempSync(join(tmpdir(), 'hookline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 800 },
    ...options,
  });
  // Shorter than a test's timeout, so a stuck step names its locator.
  context.setDefaultTimeout(10_000);
  await context.addInitScript({
    content: readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'),
  });
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (event) => {
      console.error('CSP violation: ' + event.violatedDirective + ' blocked ' + event.blockedURI);
    });`,
  });
  return {
    context,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** What a page logged as an error, threw, or reported as a CSP violation. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  return errors;
}

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: { target: unknown[]; failureSummary?: string }[];
}

/** Runs axe-core (an init script) on the page as it is: its serious and critical violations. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const violations = (await page.evaluate(
    "axe.run(document, { resultTypes: ['violations'] }).then((result) => result.violations)",
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export function formatViolations(where: string, violations: readonly AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `${where}: [${v.impact}] ${v.id}: ${v.help}\n${v.nodes
          .slice(0, 5)
          .map((n) =>
            `    ${JSON.stringify(n.target)} ${n.failureSummary ?? ''}`.replace(/\n/g, ' '),
          )
          .join('\n')}`,
    )
    .join('\n');
}

export const SCREENSHOTS_DIR = resolve(import.meta.dirname, '../../docs/screenshots');
