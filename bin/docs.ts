/**
 * `npm run docs`: writes the event pages, the AsyncAPI and OpenAPI documents and the signed fixtures
 * generated from the catalog (docgen/), and removes files in the generated folders that are
 * no longer generated. `npm run docs -- --check` writes nothing, lists what is stale, missing
 * or extra, and exits 1 if anything is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { driftOf } from '../docgen/disk';
import { generatedFiles } from '../docgen/index';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const files = generatedFiles();
const drift = driftOf(root, files);
const changes = drift.stale.length + drift.missing.length + drift.extra.length;

if (check) {
  for (const path of drift.stale) console.log(`stale:   ${path}`);
  for (const path of drift.missing) console.log(`missing: ${path}`);
  for (const path of drift.extra) console.log(`extra:   ${path}`);
  if (changes > 0) {
    console.error(`${changes} generated file(s) out of date: run \`npm run docs\` and commit.`);
    process.exit(1);
  }
  console.log(`${files.length} generated files up to date.`);
} else {
  const changed = new Set([...drift.stale, ...drift.missing]);
  for (const file of files.filter((f) => changed.has(f.path))) {
    const path = join(root, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    console.log(`wrote    ${file.path}`);
  }
  for (const path of drift.extra) {
    rmSync(join(root, path));
    console.log(`removed  ${path}`);
  }
  console.log(
    changes === 0 ? `${files.length} generated files up to date.` : `${changes} file(s) changed.`,
  );
}
