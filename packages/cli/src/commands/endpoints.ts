import type { Command } from 'commander';
import { type Context, contextOf, examples } from '../context.js';
import { durationOption, integerOption, listOption } from '../durations.js';
import { UsageError } from '../errors.js';
import { formatList, formatTime } from '../output.js';

/** An endpoint as the API shows it (never its secrets, but on creation). */
export interface Endpoint {
  readonly id: string;
  readonly type?: 'push' | 'polling';
  readonly tenant: string;
  readonly url?: string;
  readonly description?: string;
  readonly eventTypes?: string[];
  readonly rateLimitPerSecond?: number;
  readonly retrySchedule?: string[];
  readonly maxAttempts?: number;
  readonly enabled: boolean;
  readonly disabledReason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly secret?: string;
}

export interface SecretView {
  readonly secret: string;
  readonly previousSecretsExpireAt: string[];
}

export const endpointPath = (id: string, rest = '') =>
  `/v1/endpoints/${encodeURIComponent(id)}${rest}`;

const kindOf = (endpoint: Endpoint) => endpoint.type ?? 'push';

function printEndpoint(context: Context, endpoint: Endpoint): void {
  const { out } = context;
  out.fields([
    ['id', endpoint.id],
    ['type', kindOf(endpoint)],
    ['url', endpoint.url],
    ['tenant', endpoint.tenant],
    ['events', formatList(endpoint.eventTypes)],
    [
      'enabled',
      endpoint.enabled
        ? out.status('enabled')
        : `${out.status('disabled')}${endpoint.disabledReason ? ` (${endpoint.disabledReason})` : ''}`,
    ],
    ['description', endpoint.description],
    [
      'rate limit',
      endpoint.rateLimitPerSecond === undefined ? undefined : `${endpoint.rateLimitPerSecond}/s`,
    ],
    ['retries', endpoint.retrySchedule?.join(',')],
    ['max attempts', endpoint.maxAttempts],
    ['created', formatTime(endpoint.createdAt)],
    ['updated', formatTime(endpoint.updatedAt)],
  ]);
}

interface AddOptions {
  readonly url?: string;
  readonly polling?: boolean;
  readonly events?: string;
  readonly tenant?: string;
  readonly description?: string;
  readonly rateLimit?: string;
  readonly retrySchedule?: string;
  readonly maxAttempts?: string;
}

async function add(context: Context, options: AddOptions): Promise<void> {
  if ((options.url === undefined) === (options.polling !== true)) {
    throw new UsageError(
      'give --url for a push endpoint, or --polling for one you read (not both)',
    );
  }
  const body = {
    ...(options.polling ? { type: 'polling' } : { url: options.url }),
    ...(options.tenant !== undefined && { tenant: options.tenant }),
    ...(options.events !== undefined && { eventTypes: listOption(options.events) }),
    ...(options.description !== undefined && { description: options.description }),
    ...(options.rateLimit !== undefined && {
      rateLimitPerSecond: integerOption('--rate-limit', options.rateLimit, 1),
    }),
    ...(options.retrySchedule !== undefined && {
      retrySchedule: listOption(options.retrySchedule),
    }),
    ...(options.maxAttempts !== undefined && {
      maxAttempts: integerOption('--max-attempts', options.maxAttempts, 1),
    }),
  };
  const api = await context.api();
  const created = await api.post<Endpoint>('/v1/endpoints', body);
  const { out } = context;
  out.data(created);
  out.line(`Created ${kindOf(created)} endpoint ${created.id}`);
  printEndpoint(context, created);
  out.line();
  out.line(
    `Signing secret (verify deliveries with it; also: hookline endpoints secret ${created.id}):`,
  );
  out.line(`  ${created.secret}`);
}

async function list(context: Context, options: { tenant?: string }): Promise<void> {
  const api = await context.api();
  const endpoints = await api.collect<Endpoint>('/v1/endpoints', { tenant: options.tenant });
  const { out } = context;
  out.data(endpoints);
  if (endpoints.length === 0) {
    out.line(
      `No endpoints in tenant ${options.tenant ?? 'default'}. Add one: hookline endpoints add --url <url>`,
    );
    return;
  }
  out.table(
    ['ID', 'TYPE', 'URL', 'EVENTS', 'STATE', 'DESCRIPTION'],
    endpoints.map((e) => [
      e.id,
      kindOf(e),
      e.url,
      formatList(e.eventTypes),
      out.status(e.enabled ? 'enabled' : 'disabled'),
      e.description,
    ]),
  );
}

interface UpdateOptions {
  readonly url?: string;
  readonly events?: string;
  readonly allEvents?: boolean;
  readonly enable?: boolean;
  readonly disable?: boolean;
  readonly description?: string;
  readonly rateLimit?: string;
}

async function update(context: Context, id: string, options: UpdateOptions): Promise<void> {
  if (options.enable && options.disable)
    throw new UsageError('give --enable or --disable, not both');
  if (options.events !== undefined && options.allEvents) {
    throw new UsageError('give --events or --all-events, not both');
  }
  const body = {
    ...(options.url !== undefined && { url: options.url }),
    ...(options.events !== undefined && { eventTypes: listOption(options.events) }),
    ...(options.allEvents && { eventTypes: null }),
    ...(options.enable && { enabled: true }),
    ...(options.disable && { enabled: false }),
    // An empty description clears it.
    ...(options.description !== undefined && { description: options.description || null }),
    ...(options.rateLimit !== undefined && {
      rateLimitPerSecond:
        options.rateLimit === 'none' ? null : integerOption('--rate-limit', options.rateLimit, 1),
    }),
  };
  if (Object.keys(body).length === 0) {
    throw new UsageError(
      'nothing to change: give --url, --events, --enable, --disable, --description or --rate-limit',
    );
  }
  const api = await context.api();
  const updated = await api.patch<Endpoint>(endpointPath(id), body);
  context.out.data(updated);
  context.out.line(`Updated endpoint ${updated.id}`);
  printEndpoint(context, updated);
}

export function registerEndpoints(program: Command): void {
  const endpoints = program
    .command('endpoints')
    .summary('add, list, change and remove endpoints')
    .description(
      'Endpoints receive the events they subscribe to (push: POSTed to a URL; polling: read from a feed).',
    );
  examples(endpoints, [
    "hookline endpoints add --url https://example.com/webhooks --events 'invoice.*'",
    'hookline endpoints list',
  ]);

  const addCommand = endpoints
    .command('add')
    .description(
      "Create an endpoint; prints its signing secret. (--url here is the endpoint's; the API's goes before the command: hookline --url <api> endpoints add --url <endpoint>.)",
    )
    .option('--url <url>', 'where deliveries are POSTed')
    .option('--polling', 'a polling endpoint: no URL, deliveries are read from its feed')
    .option('--events <types>', 'event types, comma-separated: exact or prefix.* (default: all)')
    .option('--tenant <tenant>', 'tenant whose events it gets (default: default)')
    .option('--description <text>', 'what it is for')
    .option('--rate-limit <n>', 'at most n deliveries per second')
    .option('--retry-schedule <delays>', 'its own retry delays, e.g. 30s,5m,1h')
    .option('--max-attempts <n>', 'its own attempts per delivery')
    .action((options: AddOptions, cmd: Command) => add(contextOf(cmd), options));
  examples(addCommand, [
    "hookline endpoints add --url https://example.com/webhooks --events 'invoice.*,customer.created'",
    'hookline endpoints add --url http://127.0.0.1:8080/hooks --tenant acme --rate-limit 10',
    "hookline endpoints add --polling --events 'invoice.*'",
  ]);

  const listCommand = endpoints
    .command('list')
    .description("List a tenant's endpoints.")
    .option('--tenant <tenant>', 'tenant (default: default)')
    .action((options: { tenant?: string }, cmd: Command) => list(contextOf(cmd), options));
  examples(listCommand, [
    'hookline endpoints list',
    'hookline endpoints list --tenant acme --json',
  ]);

  const show = endpoints
    .command('show')
    .description('Show one endpoint.')
    .argument('<id>', 'endpoint id (ep_…)')
    .action(async (id: string, _options: object, cmd: Command) => {
      const context = contextOf(cmd);
      const endpoint = await (await context.api()).get<Endpoint>(endpointPath(id));
      context.out.data(endpoint);
      printEndpoint(context, endpoint);
    });
  examples(show, ['hookline endpoints show ep_01M8GJMNCQ5JDV1V2DS1G1P63A']);

  const updateCommand = endpoints
    .command('update')
    .description(
      "Change an endpoint. (--url here is the endpoint's; the API's goes before the command.)",
    )
    .argument('<id>', 'endpoint id (ep_…)')
    .option('--url <url>', 'new URL')
    .option('--events <types>', 'new event types, comma-separated')
    .option('--all-events', 'subscribe to every event type')
    .option('--enable', 'switch it on (forgets why it was switched off)')
    .option('--disable', 'switch it off: its deliveries are dead-lettered unsent')
    .option('--description <text>', 'new description ("" clears it)')
    .option('--rate-limit <n>', 'at most n deliveries per second (none: no limit)')
    .action((id: string, options: UpdateOptions, cmd: Command) =>
      update(contextOf(cmd), id, options),
    );
  examples(updateCommand, [
    'hookline endpoints update ep_01M8… --enable',
    "hookline endpoints update ep_01M8… --url https://example.com/v2/webhooks --events 'invoice.*'",
  ]);

  const rm = endpoints
    .command('rm')
    .alias('delete')
    .description('Delete an endpoint.')
    .argument('<id>', 'endpoint id (ep_…)')
    .action(async (id: string, _options: object, cmd: Command) => {
      const context = contextOf(cmd);
      await (await context.api()).delete(endpointPath(id));
      context.out.data({ id, deleted: true });
      context.out.line(`Deleted endpoint ${id}`);
    });
  examples(rm, ['hookline endpoints rm ep_01M8GJMNCQ5JDV1V2DS1G1P63A']);

  const secret = endpoints
    .command('secret')
    .description("Print an endpoint's current signing secret.")
    .argument('<id>', 'endpoint id (ep_…)')
    .action(async (id: string, _options: object, cmd: Command) => {
      const context = contextOf(cmd);
      const view = await (await context.api()).get<SecretView>(endpointPath(id, '/secret'));
      context.out.data(view);
      context.out.line(view.secret);
      for (const until of view.previousSecretsExpireAt) {
        context.out.note(`a rotated-out secret also signs until ${formatTime(until)}`);
      }
    });
  examples(secret, ['hookline endpoints secret ep_01M8GJMNCQ5JDV1V2DS1G1P63A']);

  const rotate = endpoints
    .command('rotate-secret')
    .description('Give an endpoint a new secret; the old one keeps signing for the grace period.')
    .argument('<id>', 'endpoint id (ep_…)')
    .option(
      '--grace <duration>',
      'how long the old secret keeps signing, e.g. 1h (default: 24h; 0s ends it now)',
    )
    .action(async (id: string, options: { grace?: string }, cmd: Command) => {
      const context = contextOf(cmd);
      const body =
        options.grace === undefined
          ? {}
          : { graceSeconds: Math.round(durationOption('--grace', options.grace) / 1000) };
      const view = await (await context.api()).post<SecretView>(
        endpointPath(id, '/secret/rotate'),
        body,
      );
      context.out.data(view);
      context.out.line(`Rotated the secret of ${id}. New secret:`);
      context.out.line(`  ${view.secret}`);
      const until = view.previousSecretsExpireAt.at(-1);
      context.out.line(
        until
          ? `The old secret also signs until ${formatTime(until)}.`
          : 'The old secret no longer signs.',
      );
    });
  examples(rotate, ['hookline endpoints rotate-secret ep_01M8… --grace 1h']);

  const test = endpoints
    .command('test')
    .description("Send an event type's catalog example to this endpoint only, signed.")
    .argument('<id>', 'endpoint id (ep_…)')
    .option('--type <type>', 'event type (default: the first it subscribes to)')
    .action(async (id: string, options: { type?: string }, cmd: Command) => {
      const context = contextOf(cmd);
      const sent = await (await context.api()).post<{
        id: string;
        type: string;
        timestamp: string;
      }>(endpointPath(id, '/test'), options.type === undefined ? {} : { eventType: options.type });
      context.out.data(sent);
      context.out.line(
        `Sent a test ${sent.type} (${sent.id}) to ${id}; see hookline attempts ${id}`,
      );
    });
  examples(test, ['hookline endpoints test ep_01M8… --type invoice.paid']);
}
