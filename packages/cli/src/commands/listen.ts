import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import type { ApiClient } from '../api.js';
import { type Context, contextOf, examples } from '../context.js';
import { listOption } from '../durations.js';
import { ApiError, CliError, UsageError } from '../errors.js';
import {
  type FeedItem,
  type FeedPage,
  type ForwardOutcome,
  forwardWithRetries,
  isSuccess,
  StateFile,
  typeOf,
} from '../forwarder.js';
import { formatList } from '../output.js';
import { localDataDir } from '../target.js';
import { type Endpoint, endpointPath, type SecretView } from './endpoints.js';

interface ListenOptions {
  readonly forwardTo: string;
  readonly events?: string;
  readonly tenant?: string;
  readonly endpoint?: string;
  readonly stateDir?: string;
}

/** The longest long-poll the feed allows: an idle listener asks about three times a minute. */
const WAIT_SECONDS = 20;
/** Waits after the API could not be read, growing to the last. */
const FEED_RETRY_MS = [1000, 2000, 5000, 10_000] as const;

const clock = () => new Date().toTimeString().slice(0, 8);

function forwardUrl(text: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // Reported below with the value given.
  }
  throw new UsageError(`--forward-to must be an http(s) URL (got ${text})`);
}

/** The polling endpoint to read: the one named, or a new one that lives as long as this run. */
async function openEndpoint(api: ApiClient, options: ListenOptions, target: URL) {
  if (options.endpoint !== undefined) {
    const endpoint = await api.get<Endpoint>(endpointPath(options.endpoint));
    if (endpoint.type !== 'polling') {
      throw new CliError(
        `${endpoint.id} is a ${endpoint.type ?? 'push'} endpoint; listen reads polling endpoints (omit --endpoint to make one)`,
      );
    }
    const { secret } = await api.get<SecretView>(endpointPath(endpoint.id, '/secret'));
    return { endpoint, secret, created: false };
  }
  const endpoint = await api.post<Endpoint>('/v1/endpoints', {
    type: 'polling',
    ...(options.tenant !== undefined && { tenant: options.tenant }),
    ...(options.events !== undefined && { eventTypes: listOption(options.events) }),
    description: `hookline listen → ${target.origin}${target.pathname}`.slice(0, 256),
  });
  const secret =
    endpoint.secret ?? (await api.get<SecretView>(endpointPath(endpoint.id, '/secret'))).secret;
  return { endpoint, secret, created: true };
}

/** Whether a failure to read the feed may pass (the API restarting) or ends the run. */
const transient = (error: unknown) =>
  !(error instanceof ApiError) ||
  error.status >= 500 ||
  error.status === 429 ||
  error.status === 408;

async function listen(context: Context, options: ListenOptions): Promise<void> {
  const { out } = context;
  const target = forwardUrl(options.forwardTo);
  if (
    options.endpoint !== undefined &&
    (options.events !== undefined || options.tenant !== undefined)
  ) {
    throw new UsageError(
      '--events and --tenant are for the endpoint listen creates; --endpoint names one that has its own',
    );
  }
  const api = await context.api();
  // A Ctrl-C while the endpoint is being made lets it be made, then deletes it at once.
  let stopRequested = false;
  const stopEarly = () => {
    stopRequested = true;
  };
  process.on('SIGINT', stopEarly);
  process.on('SIGTERM', stopEarly);
  const opened = await openEndpoint(api, options, target).finally(() => {
    process.off('SIGINT', stopEarly);
    process.off('SIGTERM', stopEarly);
  });
  const { endpoint, secret, created } = opened;
  const dir = resolve(options.stateDir ?? join(localDataDir(), 'listen'));
  const stateFile = new StateFile(join(dir, `${endpoint.id}.json`));
  let state = stateFile.load();

  const abort = new AbortController();
  let stopping = stopRequested;
  const stop = () => {
    if (stopping) {
      // A second Ctrl-C: the user does not want to wait for the clean-up.
      out.note('stopped without cleaning up');
      process.exit(130);
    }
    stopping = true;
    abort.abort();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  const report = (kind: string, fields: Record<string, unknown>) => {
    if (out.json) out.event({ event: kind, ...fields });
  };
  report('listening', {
    endpointId: endpoint.id,
    created,
    secret,
    tenant: endpoint.tenant,
    eventTypes: endpoint.eventTypes ?? null,
    forwardTo: target.toString(),
    ...(state.cursor !== undefined && { resumed: true }),
  });
  out.line(
    `Listening with polling endpoint ${endpoint.id} (tenant ${endpoint.tenant}, events ${formatList(endpoint.eventTypes)})${created ? '; it is deleted when you stop' : ''}.`,
  );
  out.line(`Signing secret: ${secret}`);
  if (state.cursor !== undefined)
    out.line(`Resuming where the last run stopped (${stateFile.path}).`);
  out.line(`Forwarding to ${target}. Ctrl-C to stop.`);

  const logTry =
    (item: FeedItem) => (outcome: ForwardOutcome, attempt: number, retryInMs?: number) => {
      const type = typeOf(item);
      const webhookId = item.headers['webhook-id'] ?? item.id;
      const result = outcome.status ?? outcome.error;
      report(isSuccess(outcome) ? 'forwarded' : 'failed', {
        at: new Date().toISOString(),
        type,
        webhookId,
        ...(outcome.status !== undefined ? { status: outcome.status } : { error: outcome.error }),
        latencyMs: outcome.latencyMs,
        attempt,
        ...(retryInMs !== undefined && { retryInMs }),
      });
      const retry = retryInMs === undefined ? '' : `  retrying in ${retryInMs / 1000} s`;
      out.line(
        `${clock()}  ${type}  ${webhookId}  ${isSuccess(outcome) ? out.color.green(String(result)) : out.color.red(String(result))}  ${outcome.latencyMs} ms${retry}`,
      );
    };

  let failures = 0;
  try {
    while (!stopping) {
      let page: FeedPage;
      try {
        page = (
          await api.request<FeedPage>('GET', endpointPath(endpoint.id, '/feed'), {
            query: { cursor: state.cursor, limit: 100, waitSeconds: WAIT_SECONDS },
            signal: abort.signal,
          })
        ).body;
        failures = 0;
      } catch (error) {
        if (stopping) break;
        if (!transient(error)) throw error;
        const wait = FEED_RETRY_MS[Math.min(failures++, FEED_RETRY_MS.length - 1)] as number;
        out.warn(
          `cannot read the feed (${(error as Error).message}); trying again in ${wait / 1000} s`,
        );
        await sleep(wait, undefined, { signal: abort.signal }).catch(() => undefined);
        continue;
      }
      let pageDone = true;
      for (const [index, item] of page.items.entries()) {
        // The page's first items were forwarded before a stop: the same cursor reads them
        // again first, in the same order.
        if (state.forwarded[index] === item.id) continue;
        if (stopping) {
          pageDone = false;
          break;
        }
        const outcome = await forwardWithRetries(target, item, logTry(item), () => stopping);
        if (outcome === 'stopped') {
          pageDone = false;
          break;
        }
        if (outcome === 'skipped') {
          const webhookId = item.headers['webhook-id'] ?? item.id;
          report('skipped', { webhookId, type: typeOf(item) });
          out.warn(
            `gave up forwarding ${webhookId} (${typeOf(item)}) after several tries; going on with the next`,
          );
        }
        state = { ...state, forwarded: page.items.slice(0, index + 1).map((i) => i.id) };
        stateFile.save(state);
      }
      if (pageDone && (page.cursor !== state.cursor || state.forwarded.length > 0)) {
        state = { cursor: page.cursor, forwarded: [] };
        stateFile.save(state);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (created) {
      await api.delete(endpointPath(endpoint.id)).then(
        () => {
          stateFile.remove();
          report('stopped', { endpointId: endpoint.id, deleted: true });
          out.line(`Stopped; deleted endpoint ${endpoint.id}.`);
        },
        (error: Error) => out.warn(`could not delete endpoint ${endpoint.id}: ${error.message}`),
      );
    } else {
      report('stopped', { endpointId: endpoint.id, deleted: false });
      out.line(
        `Stopped; endpoint ${endpoint.id} keeps collecting. Resume: hookline listen --endpoint ${endpoint.id} --forward-to ${target}`,
      );
    }
  }
}

export function registerListen(program: Command): void {
  const command = program
    .command('listen')
    .summary('forward webhooks to a local URL')
    .description(
      'Forward webhooks to a local URL: reads a polling endpoint (made for this run unless --endpoint names one) and POSTs each delivery, headers and body unchanged, signed with the printed secret.',
    )
    .requiredOption(
      '--forward-to <url>',
      'where to POST each delivery, e.g. http://localhost:8080/webhooks',
    )
    .option(
      '--events <types>',
      'event types of the endpoint it makes, comma-separated (default: all)',
    )
    .option('--tenant <tenant>', 'tenant of the endpoint it makes (default: default)')
    .option(
      '--endpoint <id>',
      'read this polling endpoint, and keep it when stopping; resumes where the last run stopped',
    )
    .option('--state-dir <dir>', 'where the read position is kept (default: .hookline/listen)')
    .action((options: ListenOptions, cmd: Command) => listen(contextOf(cmd), options));
  examples(command, [
    "hookline listen --forward-to http://localhost:8080/webhooks --events 'invoice.*'",
    'hookline endpoints add --polling --tenant acme   # once; then, as often as you like:',
    'hookline listen --endpoint ep_01M8… --forward-to http://localhost:8080/webhooks',
  ]);
}
