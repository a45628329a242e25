/** `npm start`: the whole of Hookline on this machine, no AWS account needed. */
import {
  type HooklineSettings,
  localSettingEnvName,
  readSettings,
  SettingsError,
} from '#shared/settings';
import { BundleError, startLocal } from '../lib/local/runtime';

const env = process.env;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

// Any setting of cdk.json can be given as HOOKLINE_<NAME>, checked by the same rules.
const read = readSettings((key) => env[localSettingEnvName(key)] || undefined, {
  profile: 'local',
  label: localSettingEnvName,
});
if (read.problems.length > 0) fail(new SettingsError(read.problems, 'the environment').message);
// Only the settings given: with HOOKLINE_BUNDLES, the others come from the template.
const settings: Partial<HooklineSettings> = Object.fromEntries(
  Object.entries(read.values).filter(([key]) => env[localSettingEnvName(key)]),
);
const port = Number(env.HOOKLINE_PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  fail('HOOKLINE_PORT must be a port number (0 picks a free one)');
}

const inFlightLimit = env.HOOKLINE_SQS_IN_FLIGHT_LIMIT;
if (inFlightLimit !== undefined && !/^[1-9]\d*$/.test(inFlightLimit)) {
  fail('HOOKLINE_SQS_IN_FLIGHT_LIMIT must be a positive integer (SQS holds about 120000)');
}

// A test and debug switch: off leaves push deliveries unsent, as a broken dispatcher would.
const dispatcher = env.HOOKLINE_LOCAL_DISPATCHER ?? 'on';
if (dispatcher !== 'on' && dispatcher !== 'off') {
  fail('HOOKLINE_LOCAL_DISPATCHER must be on or off (off: push deliveries wait unsent)');
}

const hookline = await startLocal({
  port,
  settings,
  ...(env.HOOKLINE_HOST && { host: env.HOOKLINE_HOST }),
  ...(env.HOOKLINE_DATA_DIR && { dataDir: env.HOOKLINE_DATA_DIR }),
  ...(env.HOOKLINE_API_KEY && { apiKey: env.HOOKLINE_API_KEY }),
  ...(inFlightLimit !== undefined && { sqsInFlightLimit: Number(inFlightLimit) }),
  dispatcher: dispatcher === 'on',
  ...(env.HOOKLINE_BUNDLES && { bundles: env.HOOKLINE_BUNDLES }),
}).catch((error: unknown) => {
  if (error instanceof BundleError) fail(`HOOKLINE_BUNDLES: ${error.message}`);
  throw error;
});

const keyShown = env.HOOKLINE_API_KEY ? '(the value of HOOKLINE_API_KEY)' : hookline.apiKey;
const keyInCurl = env.HOOKLINE_API_KEY ? '$HOOKLINE_API_KEY' : hookline.apiKey;
const dispatcherOff =
  dispatcher === 'off'
    ? '\n  Dispatcher   OFF (HOOKLINE_LOCAL_DISPATCHER=off): push deliveries wait in the queue unsent'
    : '';
console.log(`Hookline is running locally.

  API          ${hookline.apiUrl}
  Console      ${hookline.consoleUrl ?? 'not served (see the message above)'} (sign in with the admin key)
  Admin key    ${keyShown}
  Data         ${hookline.dataDir}
  Functions    ${env.HOOKLINE_BUNDLES ? `the synthesized bundles of ${env.HOOKLINE_BUNDLES}` : 'the TypeScript sources'}
  EventBridge  PutEvents to ${hookline.apiUrl} on the bus "hookline"
  Sandbox      ${hookline.apiUrl}/sandbox/<name> receives and checks webhooks
  DynamoDB     ${hookline.dynamoEndpoint} (API keys table: hookline-api-keys)
  SQS          ${hookline.sqsEndpoint} (any AWS credentials; loopback only, like the rest)
  Deliveries   ${hookline.queueUrls.delivery} (slow lane ${hookline.queueUrls.slowDelivery})
  Dead letters ${hookline.queueUrls.deadLetter}${dispatcherOff}

Try:
  curl -s ${hookline.apiUrl}/v1/event-types -H "authorization: Bearer ${keyInCurl}"

Press Ctrl-C to stop.`);
console.log(`HOOKLINE_READY ${hookline.apiUrl}`);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await hookline.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
