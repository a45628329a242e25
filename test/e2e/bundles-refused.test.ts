import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startLocal } from '../../lib/local/runtime';
import { writeFixtureAssembly } from '../support/bundles';
import { startLocalSystem } from '../support/local-system';

const ROOT = resolve(import.meta.dirname, '../..');
const made: string[] = [];

/** A fresh dir; `inRepo` puts it under the repository, with its node_modules above it. */
function freshDir(inRepo = false): string {
  const parent = inRepo ? join(ROOT, '.scratch') : tmpdir();
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, 'hookline-bundles-fixture-'));
  made.push(dir);
  return dir;
}

/** What local mode in this process says when it refuses the bundles in `assembly`. */
async function refusal(assembly: string): Promise<string> {
  const started = startLocal({ port: 0, dataDir: freshDir(), bundles: assembly, log: () => {} });
  const error = await started.then(
    async (hookline) => {
      await hookline.stop();
      throw new Error('local mode started');
    },
    (reason: unknown) => reason as Error,
  );
  expect(error.name).toBe('BundleError');
  return error.message;
}

// esbuild's stand-in for `require` in ESM output when nothing defines one.
const DYNAMIC_REQUIRE = `var __require = (id) => { throw Error('Dynamic require of "' + id + '" is not supported'); };
const { createHash } = __require('node:crypto');
export const handler = async () => createHash('sha256').digest('hex');
`;

describe('local mode refuses bundles that would fail in AWS, before it says it is ready', () => {
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('a dynamic require in an ESM bundle: npm start exits 2 naming the function', async () => {
    const assembly = writeFixtureAssembly(freshDir(), { sources: { dispatcher: DYNAMIC_REQUIRE } });

    const started = startLocalSystem({ HOOKLINE_BUNDLES: assembly }, freshDir());

    const error = await started.then(
      () => new Error('local mode started'),
      (reason: Error) => reason,
    );
    expect(error.message).toContain('local mode exited with 2');
    expect(error.message).toContain(
      'HOOKLINE_BUNDLES: the bundle of dispatcher (Fndispatcher) did not load: Dynamic require of "node:crypto" is not supported',
    );
    expect(error.message).not.toContain('HOOKLINE_READY');
  });

  it('a runtime of another Node major', async () => {
    const assembly = writeFixtureAssembly(freshDir(), { runtime: 'nodejs18.x' });

    expect(await refusal(assembly)).toMatch(
      /^the functions run nodejs18\.x but local mode runs on Node \d+\.\d+\.\d+: run it on Node 18/,
    );
  });

  it('a file left out of a bundle, and a package it does not ship even with node_modules above it', async () => {
    const missingChunk = writeFixtureAssembly(freshDir(), {
      sources: { ingest: "export { handler } from './chunk-ABC.mjs';\n" },
    });
    // `ulid` is in the repository's node_modules; a bundle must carry it itself.
    const unbundled = writeFixtureAssembly(freshDir(true), {
      sources: {
        keys: "import { ulid } from 'ulid';\nexport const handler = async () => ulid();\n",
      },
    });

    expect(await refusal(missingChunk)).toMatch(
      /^the bundle of ingest \(Fningest\) did not load: Cannot find module '.*chunk-ABC\.mjs'/,
    );
    expect(await refusal(unbundled)).toMatch(
      /^the bundle of keys \(Fnkeys\) did not load: Cannot find package 'ulid'/,
    );
  });

  it('a reference in the environment it cannot resolve, naming the variable', async () => {
    const assembly = writeFixtureAssembly(freshDir(), {
      variables: {
        management: {
          ENDPOINTS_TABLE: { Ref: 'EndpointsTable' },
          AUDIT_TABLE: { Ref: 'EndpointsTable' },
        },
      },
    });

    expect(await refusal(assembly)).toBe(
      'function Fnmanagement (management): cannot resolve its variable AUDIT_TABLE = {"Ref":"EndpointsTable"} to a local stand-in',
    );
  });
});
