import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HOOKLINE_VERSION } from '#shared/functions';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');
const versionOf = (file: string) => (JSON.parse(read(file)) as { version: string }).version;

/** The releases of CHANGELOG.md, newest first, each with the text of its section. */
function releases(): { version: string; text: string }[] {
  const parts = read('CHANGELOG.md').split(/^## /m).slice(1);
  return parts.map((part) => ({ version: part.split(/\s/)[0] as string, text: part }));
}

describe('the release', () => {
  it('is the same version in the changelog, /health and user-agent, and the packages', () => {
    const [latest] = releases();
    expect(latest?.version).toBe(HOOKLINE_VERSION);
    expect(versionOf('package.json')).toBe(HOOKLINE_VERSION);
    expect(versionOf('packages/cli/package.json')).toBe(HOOKLINE_VERSION);
  });

  it('has an Upgrading note in every version of the changelog, newest first', () => {
    const all = releases();
    expect(all.length).toBeGreaterThanOrEqual(7);
    for (const { version, text } of all) {
      expect(text, version).toMatch(/^### Upgrading\n+\S/m);
    }
    const numbers = all.map(({ version }) => version.split('.').map(Number));
    const sorted = [...numbers].sort(
      (a, b) => (b[0] ?? 0) - (a[0] ?? 0) || (b[1] ?? 0) - (a[1] ?? 0),
    );
    expect(numbers).toEqual(sorted);
  });

  it('shows the stages of cdk.json in the README, as they ship', () => {
    const readme = read('README.md');
    const shown = /### Stages[\s\S]*?```json\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const cdkStages = (JSON.parse(read('cdk.json')) as { context: { stages: unknown } }).context
      .stages;
    expect(JSON.parse(`{${shown}}`)).toEqual({ stages: cdkStages });
    for (const [, stage] of readme.matchAll(/-c stage=([a-z0-9-]+)/g)) {
      expect(Object.keys(cdkStages as object)).toContain(stage);
    }
  });
});
