import { type Command, Option } from 'commander';
import type { BusTarget } from '../aws.js';
import { type Context, contextOf, examples } from '../context.js';
import { CliError, UsageError } from '../errors.js';
import { readJsonOption } from '../input.js';
import { formatTime, plural } from '../output.js';
import { publishBatch } from './publish-batch.js';

export type Via = 'https' | 'eventbridge';

interface PublishOptions {
  readonly data?: string;
  readonly file?: string;
  readonly tenant?: string;
  readonly id?: string;
  readonly idempotencyKey?: string;
  readonly via: Via;
  readonly bus?: string;
  readonly source: string;
}

/** What `POST /v1/events` answers. */
interface Published {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly deliveries: number;
}

/** The EventBridge entry Hookline's rule takes: the type as DetailType, the rest as Detail. */
export function busEntry(event: Record<string, unknown>, source: string) {
  const { type, data, tenant, id } = event;
  return {
    Source: source,
    DetailType: String(type),
    Detail: JSON.stringify({
      data,
      ...(tenant !== undefined && { tenant }),
      ...(id !== undefined && { id }),
    }),
  };
}

/** Where PutEvents goes: local mode's API port, or the account's bus. */
export async function busTarget(context: Context, bus: string | undefined): Promise<BusTarget> {
  const { target } = context;
  const busName = bus ?? (await target.busName());
  if (await target.isLocal()) return { busName, localEndpoint: await target.apiUrl() };
  return { busName, ...(target.region && { region: target.region }) };
}

async function publishOne(context: Context, type: string, options: PublishOptions) {
  const { out } = context;
  if (options.data === undefined) {
    throw new UsageError("give the event's data with --data '{...}' or --data @file.json");
  }
  const event = {
    type,
    data: await readJsonOption('--data', options.data),
    ...(options.tenant !== undefined && { tenant: options.tenant }),
    ...(options.id !== undefined && { id: options.id }),
  };
  if (options.via === 'eventbridge') {
    const { putEvents } = await import('../aws.js');
    const bus = await busTarget(context, options.bus);
    const [result] = await putEvents(bus, [busEntry(event, options.source)]);
    out.data({ FailedEntryCount: result?.ErrorCode ? 1 : 0, Entries: [result] });
    if (!result || result.ErrorCode) {
      throw new CliError(
        `EventBridge did not put the event: ${result?.ErrorCode ?? 'no answer'}: ${result?.ErrorMessage ?? ''}`,
      );
    }
    out.line(
      `Put ${type} on bus ${bus.busName} (EventBridge id ${result.EventId}); Hookline publishes it as the bus delivers it.`,
    );
    return;
  }
  const api = await context.api();
  const response = await api.request<Published>('POST', '/v1/events', {
    body: event,
    ...(options.idempotencyKey !== undefined && {
      headers: { 'idempotency-key': options.idempotencyKey },
    }),
  });
  const published = response.body;
  out.data(published);
  const repeat = response.headers.get('idempotent-replayed') === 'true';
  out.line(
    repeat
      ? `Already published ${published.type} ${published.id} at ${formatTime(published.timestamp)}; this repeat of the request queued nothing new`
      : `Published ${published.type} ${published.id} at ${formatTime(published.timestamp)}: ${plural(published.deliveries, 'delivery')} queued`,
  );
}

export function registerPublish(program: Command): void {
  const command = program
    .command('publish')
    .summary('publish one event, or a batch from NDJSON')
    .description(
      'Publish one event (<type> with --data), or many from NDJSON (--file, or - for stdin): one event per line, {"type", "data", "tenant"?, "id"?}, sent 100 per request.',
    )
    .argument('[type]', 'event type, e.g. invoice.paid; - reads NDJSON from stdin')
    .option('-d, --data <json>', "the event's data: JSON, @file.json, or @- for stdin")
    .option('-f, --file <path>', 'publish every event of an NDJSON file')
    .option(
      '--tenant <tenant>',
      'tenant of the event (default: default; in a batch, of lines naming none)',
    )
    .option('--id <id>', 'your own event id (unique in its tenant; also the idempotency key)')
    .option(
      '--idempotency-key <key>',
      'makes a retry safe for 24 h (https; in a batch, per request of 100)',
    )
    .addOption(
      new Option('--via <route>', 'publish over the HTTP API or EventBridge PutEvents')
        .choices(['https', 'eventbridge'])
        .default('https'),
    )
    .option('--bus <name>', "EventBridge bus (default: --stack's EventBusName, else hookline)")
    .option('--source <source>', 'EventBridge Source of the entries', 'hookline.cli')
    .action(async (type: string | undefined, options: PublishOptions, cmd: Command) => {
      const context = contextOf(cmd);
      const batch = options.file ?? (type === '-' ? '-' : undefined);
      if (options.via === 'eventbridge' && options.idempotencyKey !== undefined) {
        throw new UsageError(
          '--idempotency-key is for --via https; over EventBridge give --id, which is the idempotency key',
        );
      }
      if (batch !== undefined) {
        if (type !== undefined && type !== '-') {
          throw new UsageError('give an event type or --file, not both');
        }
        if (options.data !== undefined || options.id !== undefined) {
          throw new UsageError(
            '--data and --id are for one event; in a batch each line has its own',
          );
        }
        await publishBatch(context, batch, options);
        return;
      }
      if (type === undefined) {
        throw new UsageError(
          'name the event type (hookline publish invoice.paid --data ...) or give --file',
        );
      }
      await publishOne(context, type, options);
    });
  examples(command, [
    `hookline publish invoice.paid --data '{"invoiceId":"in_1042","customerId":"cus_8ZQ3","amount":4900,"currency":"EUR","paidAt":"2026-11-27T09:30:00Z"}'`,
    'hookline publish invoice.paid --data @invoice.json --tenant acme --idempotency-key order-1042',
    'hookline publish customer.created --data @customer.json --via eventbridge',
    'hookline publish --file events.ndjson',
    'cat events.ndjson | hookline publish - --via eventbridge',
  ]);
}
