/**
 * The layering rules of biome.json bite: for each rule, a file that breaks it fails the lint
 * with the rule's message, and a file that keeps to it passes. The fixtures are linted in a
 * scratch folder with the repository's own biome.json, so what is tested is the real config.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const biome = path.join(repoRoot, 'node_modules', '.bin', 'biome');

const RULES = {
  cdk: 'no CDK (aws-cdk-lib, constructs) here',
  lib: 'must not import lib/',
  test: 'must not import test/',
  sdk: 'no AWS SDK (or Powertools) here',
  outward: 'lambda/domain depends on nothing outside itself',
  shared: 'it imports only itself',
} as const;

type Rule = keyof typeof RULES;

/** A file at `file` (relative to the repository root) that imports `specifier`. */
interface Fixture {
  readonly file: string;
  readonly specifier: string;
  /** The rule it breaks; none for a file that keeps to every rule. */
  readonly breaks?: Rule;
}

const fixtures: readonly Fixture[] = [
  { file: 'lambda/handlers/cdk-app.ts', specifier: 'aws-cdk-lib', breaks: 'cdk' },
  { file: 'lambda/adapters/cdk-queue.ts', specifier: 'aws-cdk-lib/aws-sqs', breaks: 'cdk' },
  { file: 'lambda/wiring/constructs.ts', specifier: 'constructs', breaks: 'cdk' },
  { file: 'lambda/domain/cdk-in-domain.ts', specifier: 'aws-cdk-lib', breaks: 'cdk' },
  { file: 'lambda/wiring/stack-settings.ts', specifier: '../../lib/settings', breaks: 'lib' },
  { file: 'lambda/handlers/local-runtime.ts', specifier: '../../lib/local/runtime', breaks: 'lib' },
  { file: 'lambda/domain/sqs.ts', specifier: '@aws-sdk/client-sqs', breaks: 'sdk' },
  { file: 'lambda/domain/dynamo.ts', specifier: '@aws-sdk/lib-dynamodb', breaks: 'sdk' },
  { file: 'lambda/domain/logger.ts', specifier: '../adapters/logger', breaks: 'outward' },
  { file: 'lambda/domain/wiring.ts', specifier: '../wiring/config', breaks: 'outward' },
  { file: 'lambda/shared/ids.ts', specifier: '../domain/ids', breaks: 'shared' },
  { file: 'lambda/memory.ts', specifier: '../test/support/records', breaks: 'test' },
  { file: 'lambda/domain/records.ts', specifier: '../../test/support/records', breaks: 'test' },
  { file: 'lib/records.ts', specifier: '../test/support/records', breaks: 'test' },
  { file: 'lib/local/receiver.ts', specifier: '../../test/support/receiver', breaks: 'test' },
  { file: 'bin/records.ts', specifier: '../test/support/records', breaks: 'test' },
  { file: 'bench/memory.ts', specifier: '../test/support/memory', breaks: 'test' },
  // Allowed: what each layer is for.
  { file: 'lambda/domain/limits.ts', specifier: '#shared/limits' },
  { file: 'lambda/domain/ids-user.ts', specifier: './ids' },
  { file: 'lambda/adapters/sqs-client.ts', specifier: '@aws-sdk/client-sqs' },
  { file: 'lambda/handlers/wiring-user.ts', specifier: '../wiring/config' },
  { file: 'lambda/shared/queues-user.ts', specifier: './settings' },
  { file: 'lib/cdk-user.ts', specifier: 'aws-cdk-lib' },
  { file: 'lib/shared-user.ts', specifier: '#shared/tables' },
  { file: 'bench/handler-user.ts', specifier: '../lambda/handlers/dispatcher' },
  { file: 'test/unit/lib-user.test.ts', specifier: '../../lib/settings' },
];

interface Diagnostic {
  readonly category: string;
  readonly message: string;
  readonly location: { readonly path: string };
}

let scratch: string;
let diagnostics: Diagnostic[];

beforeAll(() => {
  // Prepare
  scratch = mkdtempSync(path.join(tmpdir(), 'hookline-layers-'));
  copyFileSync(path.join(repoRoot, 'biome.json'), path.join(scratch, 'biome.json'));
  for (const { file, specifier } of fixtures) {
    mkdirSync(path.dirname(path.join(scratch, file)), { recursive: true });
    writeFileSync(
      path.join(scratch, file),
      `import * as imported from '${specifier}';\n\nexport const used = imported;\n`,
    );
  }

  // Act
  const run = spawnSync(biome, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], {
    cwd: scratch,
    encoding: 'utf8',
  });
  const report = JSON.parse(run.stdout) as { diagnostics: Diagnostic[] };
  diagnostics = report.diagnostics.filter((d) => d.category === 'lint/style/noRestrictedImports');
}, 30_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const restrictionsOf = (file: string) =>
  diagnostics.filter((d) => d.location.path === file).map((d) => d.message);

describe('the layering rules of the lint', () => {
  it.each(
    fixtures.filter((f) => f.breaks !== undefined).map((f) => [f.file, f.specifier, f.breaks]),
  )('refuse %s importing %s (%s)', (file, _specifier, rule) => {
    // Assess
    const found = restrictionsOf(file as string);
    expect(found.length, `no restriction reported for ${file}`).toBeGreaterThan(0);
    expect(found.join('\n')).toContain(RULES[rule as Rule]);
  });

  it.each(fixtures.filter((f) => f.breaks === undefined).map((f) => [f.file, f.specifier]))(
    'let %s import %s',
    (file) => {
      // Assess
      expect(restrictionsOf(file as string)).toEqual([]);
    },
  );
});
