import { startLocal } from '../lib/local/runtime';
import type { HooklineSettings } from '../lib/resources';

/** `npm start`: the whole of Hookline on this machine, no AWS account needed. */

const env = process.env;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/** Whole-number settings and the variable that overrides each. */
const NUMBER_SETTINGS = {
  HOOKLINE_MAX_ATTEMPTS: 'maxAttempts',
  HOOKLINE_DELIVERY_TIMEOUT_SECONDS: 'deliveryTimeoutSeconds',
  HOOKLINE_CIRCUIT_BREAKER_THRESHOLD: 'circuitBreakerThreshold',
  HOOKLINE_CIRCUIT_BREAKER_COOLDOWN_SECONDS: 'circuitBreakerCooldownSeconds',
  HOOKLINE_AUTO_DISABLE_AFTER_SECONDS: 'autoDisableAfterSeconds',
} as const satisfies Record<string, keyof HooklineSettings>;

const settings: { -readonly [K in keyof HooklineSettings]?: HooklineSettings[K] } = {};
for (const [variable, key] of Object.entries(NUMBER_SETTINGS)) {
  const raw = env[variable];
  if (raw === undefined || raw === '') continue;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    fail(`${variable} must be a whole number of at least 1`);
  settings[key] = value;
}
if (env.HOOKLINE_RETRY_SCHEDULE) {
  const schedule = env.HOOKLINE_RETRY_SCHEDULE.split(',').map((s) => s.trim());
  if (schedule.some((d) => !/^\d+(ms|s|m|h)$/.test(d))) {
    fail('HOOKLINE_RETRY_SCHEDULE must be delays like 1s,5s,30s');
  }
  settings.retrySchedule = schedule;
}
const port = Number(env.HOOKLINE_PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  fail('HOOKLINE_PORT must be a port number (0 picks a free one)');
}

const hookline = await startLocal({
  port,
  settings,
  ...(env.HOOKLINE_HOST && { host: env.HOOKLINE_HOST }),
  ...(env.HOOKLINE_DATA_DIR && { dataDir: env.HOOKLINE_DATA_DIR }),
  ...(env.HOOKLINE_API_KEY && { apiKey: env.HOOKLINE_API_KEY }),
});

const keyShown = env.HOOKLINE_API_KEY ? '(the value of HOOKLINE_API_KEY)' : hookline.apiKey;
const keyInCurl = env.HOOKLINE_API_KEY ? '$HOOKLINE_API_KEY' : hookline.apiKey;
console.log(`Hookline is running locally.

  API          ${hookline.apiUrl}
  Admin key    ${keyShown}
  Data         ${hookline.dataDir}
  EventBridge  PutEvents to ${hookline.apiUrl} on the bus "hookline"
  Sandbox      ${hookline.apiUrl}/sandbox/<name> receives and checks webhooks
  DynamoDB     ${hookline.dynamoEndpoint} (API keys table: hookline-api-keys)

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
