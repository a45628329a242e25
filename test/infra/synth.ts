/**
 * Builds the Hookline stack the way bin/app.ts does (cdk.json context, then overrides) with
 * bundling skipped, and reads the synthesized template for the assertions.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import type { HooklineSettings } from '#shared/settings';
import { addHooklineStack } from '../../lib/app';
import type { HooklineStack } from '../../lib/hookline-stack';
import { type DeploymentSettings, settingsFromContext } from '../../lib/settings';

export const repoRoot = path.resolve(import.meta.dirname, '..', '..');

/** The `context` of cdk.json: Hookline settings and the CDK feature flags. */
export const cdkJsonContext: Record<string, unknown> = JSON.parse(
  readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8'),
).context;

export interface CfnResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

export interface Synthesized {
  readonly app: App;
  readonly stack: HooklineStack;
  readonly settings: HooklineSettings;
  readonly deployment: DeploymentSettings;
}

/** A new app and stack; `context` overrides cdk.json the way `-c key=value` would. */
export function buildStack(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({
    context: { ...cdkJsonContext, ...context, 'aws:cdk:bundling-stacks': [] },
  });
  const resolved = settingsFromContext(app);
  const { settings, deployment } = resolved;
  const stack = addHooklineStack(app, resolved);
  return { app, stack, settings, deployment };
}

/** Read access to one synthesized template. */
export class StackTemplate {
  readonly template: Template;
  readonly resources: Record<string, CfnResource>;
  readonly stack: HooklineStack;
  readonly settings: HooklineSettings;

  constructor(built: Synthesized) {
    this.stack = built.stack;
    this.settings = built.settings;
    this.template = Template.fromStack(built.stack);
    this.resources = this.template.toJSON().Resources;
  }

  /** The six functions of the stack by name. */
  get fns() {
    const { api, auth, pipeline, replay } = this.stack;
    return {
      ingest: api.ingestFunction,
      management: api.managementFunction,
      keys: api.keysFunction,
      dispatcher: pipeline.dispatcher,
      replay: replay.replayFunction,
      authorizer: auth.authorizerFunction,
    };
  }

  /** Logical id of an L2 construct's CloudFormation resource. */
  id(construct: IConstruct): string {
    return this.stack.getLogicalId(construct.node.defaultChild as CfnElement);
  }

  resource(construct: IConstruct): CfnResource {
    const resource = this.resources[this.id(construct)];
    if (!resource) throw new Error(`no resource for ${construct.node.path}`);
    return resource;
  }

  ofType(type: string): [string, CfnResource][] {
    return Object.entries(this.resources).filter(([, resource]) => resource.Type === type);
  }

  /** Allow statements of every policy attached to the function's role. */
  statements(fn: { role?: IConstruct }): Statement[] {
    if (!fn.role) throw new Error('function has no role');
    const roleId = this.id(fn.role);
    return this.ofType('AWS::IAM::Policy')
      .filter(([, policy]) => JSON.stringify(policy.Properties.Roles).includes(`"${roleId}"`))
      .flatMap(
        ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
      )
      .filter((statement) => statement.Effect === 'Allow');
  }

  /** Actions the function may perform on the resource with this logical id. */
  actionsOn(fn: { role?: IConstruct }, logicalId: string): Set<string> {
    const actions = new Set<string>();
    for (const statement of this.statements(fn)) {
      if (!JSON.stringify(statement.Resource).includes(`"${logicalId}"`)) continue;
      for (const action of asArray(statement.Action)) actions.add(action);
    }
    return actions;
  }

  /**
   * Actions the function may perform on exactly one ARN: that of `logicalId`, or, with
   * `suffix`, that ARN followed by the suffix (`/index/byId`, `/index/*`). Unlike
   * {@link actionsOn}, a grant on a table's indexes does not count for the table, nor the
   * other way round.
   */
  actionsOnArn(fn: { role?: IConstruct }, logicalId: string, suffix?: string): Set<string> {
    const arn = JSON.stringify(
      suffix === undefined ? arnOf(logicalId) : { 'Fn::Join': ['', [arnOf(logicalId), suffix]] },
    );
    const actions = new Set<string>();
    for (const statement of this.statements(fn)) {
      if (!asArray(statement.Resource).some((resource) => JSON.stringify(resource) === arn)) {
        continue;
      }
      for (const action of asArray(statement.Action)) actions.add(action);
    }
    return actions;
  }

  /** Environment variables of a function. */
  environment(fn: IConstruct): Record<string, unknown> {
    const properties = this.resource(fn).Properties as {
      Environment: { Variables: Record<string, unknown> };
    };
    return properties.Environment.Variables;
  }
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Principal?: unknown;
  readonly Condition?: Record<string, unknown>;
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** `{ Ref: id }`, how CloudFormation names a table or queue URL. */
export const ref = (logicalId: string) => ({ Ref: logicalId });

/** `{ Fn::GetAtt: [id, 'Arn'] }`. */
export const arnOf = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
