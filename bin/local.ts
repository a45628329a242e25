import { startLocal } from '../lib/local/runtime';

/** `npm start`: the whole of Hookline on this machine, no AWS account needed. */

const env = process.env;
const schedule = env.HOOKLINE_RETRY_SCHEDULE?.split(',').map((s) => s.trim());
const maxAttempts =
  env.HOOKLINE_MAX_ATTEMPTS === undefined ? undefined : Number(env.HOOKLINE_MAX_ATTEMPTS);
if (maxAttempts !== undefined && (!Number.isInteger(maxAttempts) || maxAttempts < 1)) {
  console.error('HOOKLINE_MAX_ATTEMPTS must be a whole number of at least 1');
  process.exit(2);
}
const port = Number(env.HOOKLINE_PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  console.error('HOOKLINE_PORT must be a port number (0 picks a free one)');
  process.exit(2);
}

const hookline = await startLocal({
  port,
  ...(env.HOOKLINE_HOST && { host: env.HOOKLINE_HOST }),
  ...(env.HOOKLINE_DATA_DIR && { dataDir: env.HOOKLINE_DATA_DIR }),
  ...(env.HOOKLINE_API_KEY && { apiKey: env.HOOKLINE_API_KEY }),
  ...(schedule && { retrySchedule: schedule }),
  ...(maxAttempts !== undefined && { maxAttempts }),
  ...(env.HOOKLINE_DELIVERY_TIMEOUT_SECONDS && {
    deliveryTimeoutSeconds: Number(env.HOOKLINE_DELIVERY_TIMEOUT_SECONDS),
  }),
});

const keyShown = env.HOOKLINE_API_KEY ? '(the value of HOOKLINE_API_KEY)' : hookline.apiKey;
console.log(`Hookline is running locally.

  API          ${hookline.apiUrl}
  Admin key    ${keyShown}
  Data         ${hookline.dataDir}
  EventBridge  PutEvents to ${hookline.apiUrl} on the bus "hookline"
  Sandbox      ${hookline.apiUrl}/sandbox/<name> receives and checks webhooks

Try:
  curl -s ${hookline.apiUrl}/v1/event-types -H "authorization: Bearer ${env.HOOKLINE_API_KEY ? '$HOOKLINE_API_KEY' : hookline.apiKey}"

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
