import { existsSync } from 'node:fs';
import path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '#shared/api';
import type { HooklineStack } from '../../lib/hookline-stack';
import { acknowledgedRules, nagViolations } from './nag-report';
import { buildStack } from './synth';

// cdk-nag 3 is a policy validation plugin: findings land in the cloud assembly's validation
// report, and an unacknowledged error makes synth throw with that report as its message.
let app: App;
let stack: HooklineStack;
let synthError: Error | undefined;

beforeAll(() => {
  ({ app, stack } = buildStack());
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  try {
    app.synth();
  } catch (error) {
    synthError = error as Error;
  }
}, 60_000);

describe('cdk-nag AwsSolutions', () => {
  it('leaves no unacknowledged finding', () => {
    expect(synthError?.message).toBeUndefined();
    expect(existsSync(path.join(app.outdir, 'validation-report.json'))).toBe(true);
    expect(nagViolations(app.outdir)).toEqual([]);
  });

  it('acknowledges only the reviewed findings, each with a reason', () => {
    // Prepare: every acknowledgement of the stack, with the construct it is attached to.
    const acknowledged = acknowledgedRules(stack);

    // Act
    const where = (rule: string) =>
      acknowledged.filter((entry) => entry.rule === rule).map((entry) => entry.path);

    // Assess: the reviewed list, each on its own construct, not on the stack as a whole.
    expect(acknowledged.map((entry) => entry.rule).sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-SMG4',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    // No authorizer is acknowledged for the public route only, never for the whole API.
    expect(apiRoutes.filter((route) => !route.authorized)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/health' }),
    ]);
    expect(where('AwsSolutions-APIG4')).toEqual([stack.api.route('GET', '/health').node.path]);
    // No rotation for the bootstrap admin key and the cursor signing key, and nothing else.
    expect(where('AwsSolutions-SMG4').sort()).toEqual(
      [stack.auth.bootstrapAdminKey.node.path, stack.api.cursorSecret.node.path].sort(),
    );
    expect(where('AwsSolutions-SQS3')).toEqual([stack.ingress.deadLetterQueue.node.path]);
    // Every grant names its exact resources now: no wildcard finding is acknowledged.
    expect(where('AwsSolutions-IAM5')).toEqual([]);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
  });
});
