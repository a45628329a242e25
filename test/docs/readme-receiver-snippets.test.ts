import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { signWebhook } from '@hookline/receiver';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSecret } from '../../lambda/domain/signing';

const ROOT = resolve(import.meta.dirname, '../..');
// Inside node_modules so the snippets' bare imports resolve as they would in a user's project.
const SNIPPETS_DIR = join(ROOT, 'node_modules', '.cache', 'hookline-readme-snippets');

/** The js code blocks of the README's "What a receiver gets" section, in order. */
function receiverSnippets(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('## What a receiver gets');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
}

/** What the snippets export: `handle(rawBody, headers)` or `verified(rawBody, headers, secret)`. */
type SnippetFunction = (...args: unknown[]) => unknown;

async function load(name: string, code: string, exported: string): Promise<SnippetFunction> {
  mkdirSync(SNIPPETS_DIR, { recursive: true });
  const file = join(SNIPPETS_DIR, `${name}.mjs`);
  writeFileSync(file, code);
  const module: Record<string, SnippetFunction | undefined> = await import(
    pathToFileURL(file).href
  );
  const found = module[exported];
  if (!found) throw new Error(`the ${name} snippet exports no ${exported}`);
  return found;
}

describe("the README's receiver snippets", () => {
  const secret = generateSecret();
  const payload = { type: 'invoice.paid', timestamp: '2026-11-28T09:00:00Z', data: { n: 1 } };

  afterAll(() => rmSync(SNIPPETS_DIR, { recursive: true, force: true }));

  it('are three: @hookline/receiver, standardwebhooks and node:crypto', () => {
    // Act
    const snippets = receiverSnippets();

    // Assess
    expect(snippets).toHaveLength(3);
    expect(snippets[0]).toContain("from '@hookline/receiver'");
    expect(snippets[1]).toContain("from 'standardwebhooks'");
    expect(snippets[2]).toContain("from 'node:crypto'");
    for (const snippet of snippets)
      expect(snippet.trim().split('\n').length).toBeLessThanOrEqual(12);
  });

  it('accept a signed delivery and refuse a forged one', async () => {
    // Prepare
    process.env.HOOKLINE_ENDPOINT_SECRET = secret;
    const [library, standard, crypto] = receiverSnippets();
    const signed = signWebhook(secret, payload);
    const forged = signWebhook(generateSecret(), payload);
    const handleWithLibrary = await load('library', library ?? '', 'handle');
    const handleWithStandard = await load('standard', standard ?? '', 'handle');
    const verified = await load('crypto', crypto ?? '', 'verified');

    // Act
    const results = {
      library: [
        handleWithLibrary(signed.body, signed.headers),
        handleWithLibrary(forged.body, forged.headers),
      ],
      standard: handleWithStandard(signed.body, signed.headers),
      standardForged: () => handleWithStandard(forged.body, forged.headers),
      crypto: [
        verified(signed.body, signed.headers, secret),
        verified(forged.body, forged.headers, secret),
      ],
    };

    // Assess
    expect(results.library).toEqual([payload, { refused: 'bad_signature' }]);
    expect(results.standard).toEqual(payload);
    expect(results.standardForged).toThrow();
    expect(results.crypto).toEqual([true, false]);
  });
});
