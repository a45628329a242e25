import { beforeAll, describe, expect, it } from 'vitest';
import { resolveSettings, SettingsError } from '../../lib/settings';
import { buildStack, type CfnResource, cdkJsonContext, StackTemplate } from './synth';

/**
 * Names that are scoped to a parent resource rather than to the account and region, so two
 * stacks may share them: an inline policy's name (its role), an authorizer's (its API), an
 * API stage's, a key attribute's or index's (its table), a metric's (its namespace).
 */
const SCOPED_NAMES: ReadonlySet<string> = new Set([
  'AWS::IAM::Policy.PolicyName',
  'AWS::ApiGatewayV2::Authorizer.Name',
  'AWS::ApiGatewayV2::Stage.StageName',
  'AWS::CloudWatch::Alarm.MetricName',
]);

/** Every literal `…Name` of the template's resources and exports: `Type.Property = value`. */
function physicalNames(template: StackTemplate): Map<string, string> {
  const names = new Map<string, string>();
  const visit = (type: string, value: unknown, key?: string) => {
    if (typeof value === 'string' && key !== undefined && /Name$/.test(key)) {
      if (!SCOPED_NAMES.has(`${type}.${key}`)) names.set(value, `${type}.${key}`);
    } else if (Array.isArray(value)) {
      for (const item of value) visit(type, item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        // Key attributes are their table's; dimension names are a metric's.
        if (
          /^(AttributeDefinitions|KeySchema|Dimensions|GlobalSecondaryIndexes|TimeToLiveSpecification)$/.test(
            k,
          )
        )
          continue;
        visit(type, v, k);
      }
    }
  };
  for (const resource of Object.values<CfnResource>(template.resources)) {
    visit(resource.Type, resource.Properties);
  }
  const outputs = template.template.toJSON().Outputs as Record<string, { Export?: unknown }>;
  for (const output of Object.values(outputs ?? {})) visit('Output', output.Export);
  return names;
}

/** The Metrics Insights expressions of the template's alarms and its dashboard's body. */
function insightsQueries(template: StackTemplate): string[] {
  const alarms = template.ofType('AWS::CloudWatch::Alarm').flatMap(([, alarm]) => {
    const metrics = (alarm.Properties.Metrics ?? []) as { Expression?: string }[];
    return metrics.flatMap((m) => (m.Expression === undefined ? [] : [m.Expression]));
  });
  const dashboards = template
    .ofType('AWS::CloudWatch::Dashboard')
    .map(([, dashboard]) => JSON.stringify(dashboard.Properties.DashboardBody));
  const inDashboards = dashboards.flatMap((body) => body.match(/SCHEMA\(\\+"[^\\"]+\\+"/g) ?? []);
  return [...alarms, ...inDashboards];
}

const namespacesIn = (query: string): string[] =>
  [...query.matchAll(/SCHEMA\(\\*"([^\\"]+)\\*"/g)].map((match) => match[1] as string);

describe('stages side by side in one account and region', () => {
  let staging: StackTemplate;
  let prod: StackTemplate;
  let unstaged: StackTemplate;

  beforeAll(() => {
    // Prepare: the two stages of cdk.json, and the stack without a stage.
    staging = new StackTemplate(buildStack({ stage: 'staging' }));
    prod = new StackTemplate(buildStack({ stage: 'prod' }));
    unstaged = new StackTemplate(buildStack());
  }, 120_000);

  it('names each stack after its stage', () => {
    expect([staging.stack.stackName, prod.stack.stackName, unstaged.stack.stackName]).toEqual([
      'Hookline-staging',
      'Hookline-prod',
      'Hookline',
    ]);
  });

  it('share no physical name: bus, alarms, API, key alias, topic, exports', () => {
    // Act
    const stagingNames = physicalNames(staging);
    const prodNames = physicalNames(prod);

    // Assess: the collector sees the names that collided before stages (bus and alarms).
    expect(stagingNames.get('hookline-staging')).toBe('AWS::Events::EventBus.Name');
    expect(prodNames.get('Hookline-prod-endpoint-dead-letters')).toBe(
      'AWS::CloudWatch::Alarm.AlarmName',
    );
    expect(stagingNames.size).toBeGreaterThanOrEqual(20);
    const shared = [...stagingNames.keys()].filter((name) => prodNames.has(name));
    expect(shared).toEqual([]);
  });

  it('write metrics to a namespace of their own, and alarm and graph on that one only', () => {
    for (const [template, own] of [
      [staging, 'Hookline-staging'],
      [prod, 'Hookline-prod'],
    ] as const) {
      // Act
      const queries = insightsQueries(template);
      const namespaces = new Set(queries.flatMap(namespacesIn));

      // Assess: three per-endpoint alarms and the dashboard's graphs, all on the stack's own.
      const alarmQueries = queries.filter((q) => q.startsWith('SELECT'));
      expect(alarmQueries).toHaveLength(3);
      expect([...namespaces]).toEqual([own]);
      for (const fn of template.stack.functions) {
        expect(template.environment(fn).POWERTOOLS_METRICS_NAMESPACE).toBe(own);
      }
    }
  });

  it('leave the stack without a stage named as before, so it updates in place', () => {
    const names = physicalNames(unstaged);
    expect(names.get('hookline')).toBe('AWS::Events::EventBus.Name');
    expect(names.get('hookline-operations')).toBe('AWS::Events::EventBus.Name');
    expect(names.get('Hookline')).toBe('AWS::ApiGatewayV2::Api.Name');
    expect(names.get('Hookline-endpoint-failure-ratio')).toBe('AWS::CloudWatch::Alarm.AlarmName');
    expect(new Set(insightsQueries(unstaged).flatMap(namespacesIn))).toEqual(new Set(['Hookline']));
  });

  it('tag every resource of a staged stack with its stage, for cost reports', () => {
    const tagged = staging.ofType('AWS::DynamoDB::Table').map(([, table]) => table.Properties.Tags);
    expect(tagged.length).toBeGreaterThan(0);
    for (const tags of tagged)
      expect(tags).toContainEqual({ Key: 'hookline:stage', Value: 'staging' });
  });
});

describe('per-stage settings', () => {
  const problemsOf = (context: Record<string, unknown>): readonly string[] => {
    try {
      resolveSettings((key) => context[key]);
    } catch (error) {
      if (error instanceof SettingsError) return error.problems;
      throw error;
    }
    return [];
  };

  it("take a stage's block first, then the keys every stage shares", () => {
    // Prepare
    const context = {
      maxAttempts: 5,
      stages: { staging: { maxAttempts: 3, deletionProtection: 'false' }, prod: {} },
    };

    // Act
    const staged = resolveSettings((key) => ({ ...context, stage: 'staging' })[key]);
    const production = resolveSettings((key) => ({ ...context, stage: 'prod' })[key]);

    // Assess
    expect(staged).toMatchObject({ stage: 'staging', stackName: 'Hookline-staging' });
    expect(staged.settings.maxAttempts).toBe(3);
    expect(staged.deployment).toMatchObject({
      deletionProtection: false,
      eventBusName: 'hookline-staging',
    });
    expect(production.settings.maxAttempts).toBe(5);
    expect(production.deployment).toMatchObject({
      deletionProtection: true,
      eventBusName: 'hookline-prod',
    });
  });

  it('are the ones cdk.json ships: staging throwaway, prod protected', () => {
    const read = (stage: string) =>
      resolveSettings((key) => ({ ...cdkJsonContext, stage })[key]).deployment;
    expect(read('staging').deletionProtection).toBe(false);
    expect(read('prod').deletionProtection).toBe(true);
  });

  it('refuse a stage cdk.json does not list, naming the ones it does', () => {
    expect(problemsOf({ stage: 'prdo', stages: { staging: {}, prod: {} } })).toEqual([
      'stage: "prdo" is not a stage of cdk.json (stages: staging, prod); add "prdo": {} to "stages" to make it one',
    ]);
  });

  it('refuse a stage name that cannot name a stack, bus and alarms', () => {
    const [problem] = problemsOf({ stage: 'Prod_1', stages: { Prod_1: {} } });
    expect(problem).toMatch(/^stages\.Prod_1: a stage name must be 1-20 characters/);
    expect(problemsOf({ stage: 'x'.repeat(21), stages: {} })[0]).toMatch(
      /^stage: a stage name must be 1-20 characters/,
    );
  });

  it("name the stage's block in a problem with one of its settings, and refuse unknown keys", () => {
    expect(
      problemsOf({ stage: 'prod', stages: { prod: { maxAttempts: 0, maxAtempts: 3 } } }),
    ).toEqual([
      'stages.prod.maxAtempts: not a Hookline setting',
      expect.stringMatching(/^stages\.prod\.maxAttempts: must be .* \(got 0\)$/),
    ]);
  });
});

describe('a stack deployed before stages', () => {
  const read = (stages: Record<string, unknown>, stage: string) =>
    resolveSettings((key) => ({ stages, stage })[key]);

  it('becomes a stage by naming its stack, and keeps its bus and metrics names', () => {
    // Act
    const prod = read({ prod: { stackName: 'Hookline' }, staging: {} }, 'prod');

    // Assess
    expect(prod).toMatchObject({ stage: 'prod', stackName: 'Hookline' });
    expect(prod.deployment.eventBusName).toBe('hookline');
  });

  it('is no stack two stages can share', () => {
    expect(() =>
      read({ prod: { stackName: 'Hookline' }, live: { stackName: 'Hookline' } }, 'prod'),
    ).toThrow(
      'stages.live: deploys the stack Hookline, as the stage prod does; each stage needs a stack of its own',
    );
    expect(() => read({ prod: { stackName: 'hook_line' } }, 'prod')).toThrow(
      /stages\.prod\.stackName: must be 1-128 characters/,
    );
  });

  it('keeps its pinned resources and names when synthesized as a stage', () => {
    // Prepare
    const staged = new StackTemplate(
      buildStack({ stage: 'prod', stages: { prod: { stackName: 'Hookline' } } }),
    );
    const unstaged = new StackTemplate(buildStack());

    // Assess: the same resources, the same physical names; only the stage tag is new.
    expect(Object.keys(staged.resources).sort()).toEqual(Object.keys(unstaged.resources).sort());
    expect([...physicalNames(staged)].sort()).toEqual([...physicalNames(unstaged)].sort());
  }, 60_000);
});
