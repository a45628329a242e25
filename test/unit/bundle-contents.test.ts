/**
 * A function bundles only what it runs: the authorizer, which runs before every API request
 * its cache has not seen, carries none of the catalog's validators, the delivery code or the
 * metrics library. A module-scope side effect in a shared wiring or domain module would pull
 * them in unnoticed (and did once: 43 KB became 195 KB); this catches it.
 */
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

async function bundledPackages(handler: string): Promise<Set<string>> {
  const result = await build({
    entryPoints: [`lambda/handlers/${handler}.ts`],
    bundle: true,
    write: false,
    metafile: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['@aws-sdk/*'],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  return new Set(
    inputs.flatMap((path) => {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
      return match?.[1] ? [match[1]] : [];
    }),
  );
}

const DELIVERY_AND_PUBLISHING = [
  'ajv',
  'ajv-formats',
  'ipaddr.js',
  'undici',
  '@aws-lambda-powertools/metrics',
  '@middy/http-router',
];

describe('what the authorizer bundles', () => {
  it('carries no publishing or delivery code', async () => {
    const packages = await bundledPackages('authorizer');
    expect(DELIVERY_AND_PUBLISHING.filter((name) => packages.has(name))).toEqual([]);
  });

  it('still sees them where they belong: ingest validates, the dispatcher sends', async () => {
    expect((await bundledPackages('ingest')).has('ajv')).toBe(true);
    expect((await bundledPackages('dispatcher')).has('undici')).toBe(true);
  });
});
