import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '#shared/api';
import type { HooklineStack } from '../../lib/hookline-stack';
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
    const reportFile = path.join(app.outdir, 'validation-report.json');
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      pluginReports: { violations?: unknown[] }[];
    };
    expect(report.pluginReports.flatMap((plugin) => plugin.violations ?? [])).toEqual([]);
  });

  it('acknowledges only the reviewed findings, each with a reason', () => {
    const acknowledged: Record<string, string> = {};
    /** Construct path of each acknowledged rule. */
    const where: Record<string, string> = {};
    for (const construct of stack.node.findAll()) {
      for (const entry of construct.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        Object.assign(acknowledged, entry.data as Record<string, string>);
        for (const id of Object.keys(entry.data as object)) where[id] = construct.node.path;
      }
    }
    const rules = Object.keys(acknowledged).map((id) => id.replace(/^.*::(?=AwsSolutions-)/, ''));
    expect(rules.map((id) => id.replace(/\[.*\]$/, '')).sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    // No authorizer is acknowledged for the public route only, never for the whole API.
    expect(apiRoutes.filter((route) => !route.authorized)).toEqual([
      expect.objectContaining({ method: 'GET', path: '/health' }),
    ]);
    const apig4 = Object.keys(where).find((id) => id.endsWith('AwsSolutions-APIG4'));
    expect(where[apig4 ?? '']).toBe(stack.api.route('GET', '/health').node.path);
    const smg4 = Object.keys(where).find((id) => id.endsWith('AwsSolutions-SMG4'));
    expect(where[smg4 ?? '']).toBe(stack.auth.bootstrapAdminKey.node.path);
    expect(rules.find((id) => id.startsWith('AwsSolutions-IAM5'))).toMatch(
      /^AwsSolutions-IAM5\[Resource::<StorageEndpointsTable\w+\.Arn>\/index\/\*\]$/,
    );
    for (const reason of Object.values(acknowledged)) expect(reason.length).toBeGreaterThan(60);
  });
});
