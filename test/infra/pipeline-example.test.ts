import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { resolveSettings } from '../../lib/settings';
import { cdkJsonContext, repoRoot } from './synth';

interface Job {
  readonly needs?: string | string[];
  readonly environment?: string;
  readonly steps: {
    readonly run?: string;
    readonly uses?: string;
    readonly with?: Record<string, unknown>;
  }[];
}

const workflow = parse(
  readFileSync(path.join(repoRoot, 'examples/pipeline/deploy.yml'), 'utf8'),
) as { permissions: Record<string, string>; jobs: Record<string, Job> };

const runs = (job: Job) => job.steps.flatMap((step) => (step.run === undefined ? [] : [step.run]));
const needs = (job: Job) => [job.needs ?? []].flat();
/** The stack `cdk deploy -c stage=<stage>` makes, as bin/app.ts resolves it from cdk.json. */
const stackOf = (stage: string) =>
  resolveSettings((key) => ({ ...cdkJsonContext, stage })[key]).stackName;

describe('the deployment pipeline example', () => {
  const { test, staging, production } = workflow.jobs as Record<string, Job>;

  it('tests, deploys staging, smoke-tests it, and only then deploys production', () => {
    expect(runs(test as Job)).toEqual(['npm ci', 'npm test']);
    expect(needs(staging as Job)).toEqual(['test']);
    expect(runs(staging as Job)).toEqual([
      'npm ci',
      'npx cdk deploy -c stage=staging --require-approval never',
      `npx hookline smoke --stack ${stackOf('staging')}`,
    ]);
    expect(needs(production as Job)).toEqual(['staging']);
    expect(runs(production as Job)).toEqual([
      'npm ci',
      'npx cdk deploy -c stage=prod --require-approval never',
    ]);
  });

  it("deploys stages cdk.json has, on a Node that runs the repository's scripts", () => {
    expect(Object.keys(cdkJsonContext.stages as object)).toEqual(['staging', 'prod']);
    for (const job of Object.values(workflow.jobs)) {
      const setup = job.steps.find((step) => step.uses?.startsWith('actions/setup-node'));
      expect(Number(setup?.with?.['node-version'])).toBeGreaterThanOrEqual(22);
    }
  });

  it('gets AWS credentials through OIDC, per GitHub environment, with no stored keys', () => {
    expect(workflow.permissions).toEqual({ 'id-token': 'write', contents: 'read' });
    for (const job of [staging, production] as Job[]) {
      const credentials = job.steps.find((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials'),
      );
      // A GitHub expression, not a template string: the role comes from the environment.
      expect(credentials?.with?.['role-to-assume']).toBe(
        ['$', '{{ vars.HOOKLINE_DEPLOY_ROLE_ARN }}'].join(''),
      );
      expect(JSON.stringify(credentials?.with)).not.toMatch(
        /aws-access-key-id|aws-secret-access-key/,
      );
    }
    expect([staging?.environment, production?.environment]).toEqual(['staging', 'production']);
  });
});
