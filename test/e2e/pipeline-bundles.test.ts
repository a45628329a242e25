import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeBundles } from '../support/bundles';
import { removeCliWorkingDir, runHookline, targetOf } from '../support/cli';
import { type LocalSystem, removeDataDir, startLocalSystem } from '../support/local-system';
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

describe('the smoke test, against the synthesized bundles', () => {
  let system: LocalSystem;

  beforeAll(async () => {
    system = await startLocalSystem({ HOOKLINE_BUNDLES: assembly });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    if (system) removeDataDir(system.dataDir);
    removeCliWorkingDir();
  });

  it('passes, its cleanup included: the bundled dispatcher sees the deleted endpoint at once', async () => {
    // Act
    const run = await runHookline(['smoke', '--timeout', '15s', '--json'], {
      env: targetOf(system),
    });

    // Assess
    const report = JSON.parse(run.stdout) as { ok: boolean; steps: { status: string }[] };
    expect(run.stderr).toBe('');
    expect(report.steps.map((step) => step.status)).not.toContain('fail');
    expect(report.ok).toBe(true);
    expect(run.code).toBe(0);
  }, 60_000);
});
