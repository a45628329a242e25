import type { Command } from 'commander';
import { type Context, contextOf, examples } from '../context.js';
import { instantOption, integerOption } from '../durations.js';
import { formatTime } from '../output.js';

interface EventSummary {
  readonly id: string;
  readonly type: string;
  readonly tenant: string;
  readonly timestamp: string;
}

/** A delivery of an event to one endpoint, as `GET /v1/events/{id}` lists it. */
interface Delivery {
  readonly endpointId: string;
  readonly status: string;
  readonly attempts?: number;
  readonly lastAttemptAt?: string;
  readonly lastStatus?: number | null;
  readonly lastError?: string | null;
  readonly reason?: string;
  readonly finishedAt?: string;
}

interface StoredEvent extends EventSummary {
  readonly version: number;
  readonly data: unknown;
  readonly deliveries: Delivery[];
}

interface ListOptions {
  readonly tenant?: string;
  readonly type?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit: string;
}

export const eventPath = (id: string) => `/v1/events/${encodeURIComponent(id)}`;

async function list(context: Context, options: ListOptions): Promise<void> {
  const limit = integerOption('--limit', options.limit, 1);
  const api = await context.api();
  const events = await api.collect<EventSummary>(
    '/v1/events',
    {
      tenant: options.tenant,
      type: options.type,
      since: options.since === undefined ? undefined : instantOption('--since', options.since),
      until: options.until === undefined ? undefined : instantOption('--until', options.until),
    },
    limit,
  );
  const { out } = context;
  out.data(events);
  if (events.length === 0) {
    out.line('No events match.');
    return;
  }
  out.table(
    ['TIME', 'ID', 'TYPE', 'TENANT'],
    events.map((e) => [formatTime(e.timestamp), e.id, e.type, e.tenant]),
  );
}

/** An event and each endpoint's delivery status, as a table. */
export function printEvent(context: Context, event: StoredEvent): void {
  const { out } = context;
  out.fields([
    ['id', event.id],
    ['type', `${event.type} v${event.version}`],
    ['tenant', event.tenant],
    ['time', formatTime(event.timestamp)],
    ['data', JSON.stringify(event.data)],
  ]);
  out.line();
  if (event.deliveries.length === 0) {
    out.line('No endpoint was subscribed to it when it was published.');
    return;
  }
  out.table(
    ['ENDPOINT', 'STATUS', 'ATTEMPTS', 'LAST ATTEMPT', 'LAST STATUS', 'ERROR / REASON'],
    event.deliveries.map((d) => [
      d.endpointId,
      out.status(d.status),
      d.attempts,
      formatTime(d.lastAttemptAt ?? d.finishedAt),
      d.lastStatus,
      [d.lastError, d.reason].filter(Boolean).join(' / '),
    ]),
  );
}

export function registerEvents(program: Command): void {
  const events = program
    .command('events')
    .summary('list events and see where each was delivered')
    .description("Published events, newest first, and each endpoint's delivery status.");
  examples(events, ['hookline events list --since 1h', 'hookline events show msg_01M8…']);

  const listCommand = events
    .command('list')
    .description("List a tenant's events, newest first.")
    .option('--tenant <tenant>', 'tenant (default: default)')
    .option('--type <type>', 'only this event type')
    .option('--since <time>', 'from this time: ISO-8601, or back from now like 2h')
    .option('--until <time>', 'before this time')
    .option('--limit <n>', 'at most this many', '50')
    .action((options: ListOptions, cmd: Command) => list(contextOf(cmd), options));
  examples(listCommand, [
    'hookline events list',
    'hookline events list --type invoice.paid --since 2h --limit 200',
    'hookline events list --tenant acme --since 2026-11-27T00:00:00Z --json',
  ]);

  const show = events
    .command('show')
    .description("Show one event and each endpoint's delivery status.")
    .argument('<id>', 'event id')
    .option('--tenant <tenant>', 'tenant of an event published with your own id')
    .action(async (id: string, options: { tenant?: string }, cmd: Command) => {
      const context = contextOf(cmd);
      const api = await context.api();
      const event = await api.get<StoredEvent>(eventPath(id), { tenant: options.tenant });
      context.out.data(event);
      printEvent(context, event);
    });
  examples(show, [
    'hookline events show msg_01M8GJMX5WJG5E4JHS0JB76S00',
    'hookline events show order-1042 --tenant acme',
  ]);

  const types = program
    .command('event-types')
    .summary('list the event catalog')
    .description('List the event catalog: types, versions and descriptions.')
    .action(async (_options: object, cmd: Command) => {
      const context = contextOf(cmd);
      const { data } = await (await context.api()).get<{
        data: { type: string; version: number; description?: string }[];
      }>('/v1/event-types');
      context.out.data(data);
      context.out.table(
        ['TYPE', 'VERSION', 'DESCRIPTION'],
        data.map((t) => [t.type, t.version, t.description]),
      );
    });
  examples(types, ['hookline event-types', 'hookline event-types --json']);
}
