import { existsSync } from 'node:fs';
import path from 'node:path';
import { type App, type CfnElement, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '#shared/api';
import type { ConsoleHosting } from '../../lib/constructs/console-hosting';
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

/** The console's hosting, on by default. */
const hosting = (): ConsoleHosting => {
  if (stack.console === undefined) throw new Error('console hosting is on by default');
  return stack.console;
};

/** CDK's BucketDeployment handler: a singleton of the stack, the scope of its role. */
const deploymentHandler = (): string =>
  (hosting().deployment.handlerRole.node.scope as IConstruct).node.path;

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
    expect(acknowledged.map((entry) => entry.path)).not.toContain(stack.node.path);
    expect(
      acknowledged
        .filter((entry) => !entry.path.startsWith(`${stack.node.path}/Console/`))
        .filter((entry) => !entry.path.startsWith(`${deploymentHandler()}`))
        .map((entry) => entry.rule)
        .sort(),
    ).toEqual([
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
    // Every grant of Hookline's names its exact resources: no wildcard finding is acknowledged
    // but on the role of CDK's BucketDeployment handler (test/infra/iam.test.ts bounds it).
    const handlerRole = hosting().deployment.handlerRole.node.path;
    const wildcards = acknowledged.filter((entry) => entry.rule.startsWith('AwsSolutions-IAM5'));
    expect(wildcards.map((entry) => entry.path)).toEqual(wildcards.map(() => handlerRole));
    expect(wildcards.map((entry) => entry.rule).sort()).toEqual([
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Resource::*]',
      `AwsSolutions-IAM5[Resource::<${stack.resolve((hosting().bucket.node.defaultChild as CfnElement).logicalId)}.Arn>/*]`,
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
    ]);
    expect(
      where(
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      ),
    ).toEqual([handlerRole]);
    expect(where('AwsSolutions-L1')).toEqual([deploymentHandler()]);
    // The console: no access log of the access log bucket; no geo restriction, WAF or own
    // certificate unless configured.
    expect(where('AwsSolutions-S1')).toEqual([hosting().logsBucket.node.path]);
    for (const rule of ['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4'])
      expect(where(rule)).toEqual([hosting().distribution.node.path]);
    expect(acknowledged).toHaveLength(4 + wildcards.length + 1 + 1 + 1 + 3);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(60);
  });
});
