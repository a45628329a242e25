import { rmSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { synthesizeBundles } from '../support/bundles';
import { startLocalSystem } from '../support/local-system';
import { describePipeline } from './pipeline-scenario';

// Test what ships: the same scenario as pipeline.test.ts, with local mode running the bundles
// `cdk synth` writes (HOOKLINE_BUNDLES) instead of the TypeScript sources, so a file left out
// of a bundle, a dynamic require or a Node version gap fails here rather than in AWS.
let assembly = '';

beforeAll(() => {
  assembly = synthesizeBundles();
}, 120_000);

afterAll(() => {
  if (assembly) rmSync(assembly, { recursive: true, force: true });
});

describePipeline('publish → store → sign → deliver, with the synthesized bundles', (env) =>
  startLocalSystem({ ...env, HOOKLINE_BUNDLES: assembly }),
);
