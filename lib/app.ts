/**
 * The Hookline app's one stack, made the same way by bin/app.ts (`cdk synth`/`cdk deploy`) and
 * by the tests that synthesize it.
 */
import { type App, Tags } from 'aws-cdk-lib';
import { HooklineStack } from './hookline-stack';
import type { ResolvedSettings } from './settings';

export const STAGE_TAG = 'hookline:stage';

/** The stack of the resolved stage: `Hookline`, or `Hookline-<stage>` tagged with its stage. */
export function addHooklineStack(app: App, resolved: ResolvedSettings): HooklineStack {
  const stageNote = resolved.stage === undefined ? '' : ` [stage ${resolved.stage}]`;
  const stack = new HooklineStack(app, resolved.stackName, {
    description: `Hookline: webhook delivery (API, EventBridge ingress, SQS delivery pipeline)${stageNote}`,
    settings: resolved.settings,
    ...resolved.deployment,
  });
  // Cost reports and IAM conditions can tell the stages apart.
  if (resolved.stage !== undefined) Tags.of(stack).add(STAGE_TAG, resolved.stage);
  return stack;
}
