import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const PACKAGE_DIR = resolve(import.meta.dirname, '../../packages/receiver');
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/invoice.paid.v1.json');

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/**
 * The package as npm would publish it (`npm pack` of the built workspace), unpacked into a
 * consumer project's node_modules with none of this repository around it.
 */
describe('@hookline/receiver as published', () => {
  let consumer: string;
  let packed: PackResult;

  beforeAll(() => {
    consumer = mkdtempSync(join(tmpdir(), 'hookline-consumer-'));
    const [result] = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--pack-destination', consumer], {
        cwd: PACKAGE_DIR,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as PackResult[];
    if (!result) throw new Error('npm pack reported nothing');
    packed = result;
    const installed = join(consumer, 'node_modules', '@hookline', 'receiver');
    mkdirSync(installed, { recursive: true });
    execFileSync('tar', [
      '-xzf',
      join(consumer, packed.filename),
      '-C',
      installed,
      '--strip-components=1',
    ]);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ type: 'module' }));
  });

  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  it('ships built ESM with types for every entry point, the function bundle, and no sources', () => {
    // Prepare
    const manifest = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as {
      exports: Record<string, { types?: string; import?: string }>;
    };
    const shipped = new Set(packed.files.map((file) => file.path));

    // Act
    const entryFiles = Object.values(manifest.exports)
      .filter((entry) => typeof entry === 'object')
      .flatMap((entry) => [entry.types, entry.import])
      .map((path) => path?.replace(/^\.\//, ''));

    // Assess
    for (const file of entryFiles) expect(shipped).toContain(file);
    expect(shipped).toContain('function/index.mjs');
    expect([...shipped].filter((path) => path.startsWith('src/'))).toEqual([]);
  });

  it('verifies a shipped fixture from a consumer project that has nothing else installed', () => {
    // Prepare
    writeFileSync(
      join(consumer, 'check.mjs'),
      `import { readFileSync } from 'node:fs';
import { verify, WebhookVerificationError } from '@hookline/receiver';
import { webhookMiddleware } from '@hookline/receiver/express';
const fixture = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const now = Number(fixture.headers['webhook-timestamp']) * 1000;
const payload = verify(fixture.body, fixture.headers, fixture.secret, { now });
let refused = '';
try { verify(fixture.body + ' ', fixture.headers, fixture.secret, { now }); }
catch (error) { if (error instanceof WebhookVerificationError) refused = error.code; }
console.log(JSON.stringify({ type: payload.type, refused, middleware: typeof webhookMiddleware }));
`,
    );

    // Act
    const output = execFileSync(process.execPath, ['check.mjs', FIXTURE], {
      cwd: consumer,
      encoding: 'utf8',
    });

    // Assess
    expect(JSON.parse(output)).toEqual({
      type: 'invoice.paid',
      refused: 'bad_signature',
      middleware: 'function',
    });
  });
});
