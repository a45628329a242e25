#!/usr/bin/env node
/**
 * CDK app entry (`npx cdk synth`, `npx cdk deploy`, with `-c stage=<name>` for one of the
 * stages of cdk.json). Settings come from the stage's block of `stages` in cdk.json, then
 * `cdk.json` context or `-c key=value`; anything missing falls back to the defaults in
 * lambda/shared/settings.ts and lib/settings.ts.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { addHooklineStack } from '../lib/app';
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

addHooklineStack(app, resolved);

// Unacknowledged AWS Solutions findings fail the synth; acknowledgements live in the stack.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
