import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { driftOf, filesInGeneratedDirectories } from '../../docgen/disk';
import { GENERATED_DIRECTORIES, generatedFiles } from '../../docgen/index';

const root = join(import.meta.dirname, '..', '..');
const files = generatedFiles();

describe('generated documentation and fixtures', () => {
  it.each(files.map((file) => [file.path, file.content]))(
    '%s is committed as generated',
    (path, content) => {
      // Prepare
      const onDisk = join(root, path);

      // Act
      const committed = existsSync(onDisk) ? readFileSync(onDisk, 'utf8') : undefined;

      // Assess
      expect(
        committed,
        `${path} is ${committed === undefined ? 'missing' : 'stale'}: run \`npm run docs\` and commit the result`,
      ).toBe(content);
    },
  );

  it('leaves no file in docs/events/ or fixtures/ that is no longer generated', () => {
    // Prepare
    const generated = new Set(files.map((file) => file.path));

    // Act
    const extra = filesInGeneratedDirectories(root).filter((path) => !generated.has(path));

    // Assess
    expect(extra, 'files no longer generated: run `npm run docs` to remove them').toEqual([]);
  });

  it('generates the same bytes every time', () => {
    // Act
    const again = generatedFiles();

    // Assess
    expect(again).toEqual(files);
  });

  it('writes only under the generated folders, plus docs/asyncapi.yaml and docs/openapi.yaml', () => {
    // Act
    const outside = files
      .map((file) => file.path)
      .filter(
        (path) => !GENERATED_DIRECTORIES.some((directory) => path.startsWith(`${directory}/`)),
      );

    // Assess
    expect(outside.sort()).toEqual(['docs/asyncapi.yaml', 'docs/openapi.yaml']);
  });
});

describe('drift between the generated files and a checkout', () => {
  let scratch: string | undefined;
  afterEach(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const write = (base: string, path: string, content: string): void => {
    mkdirSync(dirname(join(base, path)), { recursive: true });
    writeFileSync(join(base, path), content);
  };

  it('lists stale, missing and extra files, and never looks at docs/adr/', () => {
    // Prepare
    scratch = mkdtempSync(join(tmpdir(), 'hookline-docs-'));
    const wanted = [
      { path: 'docs/events/a.v1.md', content: 'a\n' },
      { path: 'docs/events/b.v1.md', content: 'b\n' },
      { path: 'fixtures/a.v1.json', content: '{}\n' },
    ];
    write(scratch, 'docs/events/a.v1.md', 'a\n');
    write(scratch, 'docs/events/b.v1.md', 'old b\n');
    write(scratch, 'docs/events/gone.v1.md', 'gone\n');
    write(scratch, 'fixtures/gone.v1.json', '{}\n');
    write(scratch, 'docs/adr/0001-kept.md', 'kept\n');

    // Act
    const drift = driftOf(scratch, wanted);

    // Assess
    expect(drift).toEqual({
      stale: ['docs/events/b.v1.md'],
      missing: ['fixtures/a.v1.json'],
      extra: ['docs/events/gone.v1.md', 'fixtures/gone.v1.json'],
    });
  });
});
