#!/usr/bin/env node
/**
 * CDK app entry (`npx cdk synth`, `npx cdk deploy`). Settings come from `cdk.json` context or
 * `-c key=value`; anything missing falls back to the defaults in lambda/shared/settings.ts and lib/settings.ts.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { HooklineStack } from '../lib/hookline-stack';
import { SettingsError, settingsFromContext } from '../lib/settings';

const app = new App();

let resolved: ReturnType<typeof settingsFromContext>;
try {
  resolved = settingsFromContext(app);
} catch (error) {
  if (!(error instanceof SettingsError)) throw error;
  // A stack trace would bury the list of bad keys, which is all the user needs.
  console.error(error.message);
  process.exit(1);
}

new HooklineStack(app, 'Hookline', {
  description: 'Hookline: webhook delivery (API, EventBridge ingress, SQS delivery pipeline)',
  settings: resolved.settings,
  ...resolved.deployment,
});

// Unacknowledged AWS Solutions findings fail the synth; acknowledgements live in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
