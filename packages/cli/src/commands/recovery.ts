import type { Command } from 'commander';
import type { ApiClient } from '../api.js';
import { type Context, contextOf, examples } from '../context.js';
import { instantOption, listOption } from '../durations.js';
import { ApiError, CliError, UsageError } from '../errors.js';
import { type Job, printJob, waitForJob } from '../jobs.js';
import { formatTime, plural } from '../output.js';
import { endpointPath } from './endpoints.js';
import { eventPath } from './events.js';

/** A dead letter as `GET /v1/dead-letters` lists it: the delivery and why it stopped. */
interface DeadLetter {
  readonly eventId: string;
  readonly endpointId: string;
  readonly eventType: string;
  readonly reason: string;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deadLetteredAt: string;
}

interface Filter {
  readonly endpoint?: string;
  readonly type?: string;
}

async function deadLetters(api: ApiClient, filter: Filter) {
  let queueDepth: number | undefined;
  const letters = await api.collect<DeadLetter>(
    '/v1/dead-letters',
    { endpointId: filter.endpoint, eventType: filter.type },
    Number.POSITIVE_INFINITY,
    (page) => {
      if (typeof page.queueDepth === 'number') queueDepth ??= page.queueDepth;
    },
  );
  return { letters, queueDepth };
}

async function list(context: Context, filter: Filter): Promise<void> {
  const { letters, queueDepth } = await deadLetters(await context.api(), filter);
  const { out } = context;
  out.data(letters);
  const depth = queueDepth === undefined ? '' : ` (the DLQ holds ${queueDepth})`;
  if (letters.length === 0) {
    out.line(`No dead letters${depth}.`);
    return;
  }
  out.table(
    ['DEAD-LETTERED', 'EVENT', 'ENDPOINT', 'TYPE', 'REASON', 'ATTEMPTS', 'LAST STATUS', 'ERROR'],
    letters.map((l) => [
      formatTime(l.deadLetteredAt),
      l.eventId,
      l.endpointId,
      l.eventType,
      out.color.red(l.reason),
      l.attempts,
      l.lastStatus,
      l.lastError,
    ]),
  );
  out.line();
  out.line(
    `${plural(letters.length, 'dead letter')}${depth}. Fix the receiver, then: hookline dlq redrive${filter.endpoint ? ` --endpoint ${filter.endpoint}` : ''}`,
  );
}

interface AttemptEntry {
  readonly eventId: string;
  readonly at: string;
  readonly attempt?: number;
  readonly status?: number;
  readonly durationMs?: number;
  readonly error?: string;
}

/** How much of an endpoint's attempt log `dlq show` reads for one event's tries. */
const ATTEMPTS_READ = 500;

async function show(context: Context, eventId: string, options: Filter & { tenant?: string }) {
  const api = await context.api();
  const { letters } = await deadLetters(api, options);
  const mine = letters.filter((l) => l.eventId === eventId);
  if (mine.length === 0) throw new CliError(`no dead letter for event ${eventId}`);
  let event: { data?: unknown; tenant?: string; timestamp?: string } | undefined;
  try {
    event = await api.get(eventPath(eventId), { tenant: options.tenant });
  } catch (error) {
    // Its event may have aged out of the log, or need --tenant: the letter is still worth showing.
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  }
  const details = await Promise.all(
    mine.map(async (letter) => {
      const log = await api.collect<AttemptEntry>(
        endpointPath(letter.endpointId, '/attempts'),
        { status: 'failed' },
        ATTEMPTS_READ,
      );
      return { ...letter, tries: log.filter((a) => a.eventId === eventId).reverse() };
    }),
  );
  const { out } = context;
  out.data({ event: event ?? null, deadLetters: details });
  for (const letter of details) {
    out.fields([
      ['event', letter.eventId],
      ['type', letter.eventType],
      ['tenant', event?.tenant],
      ['published', formatTime(event?.timestamp)],
      ['endpoint', letter.endpointId],
      ['reason', out.color.red(letter.reason)],
      ['attempts', letter.attempts],
      ['last status', letter.lastStatus],
      ['last error', letter.lastError],
      ['dead-lettered', formatTime(letter.deadLetteredAt)],
      [
        'data',
        event ? JSON.stringify(event.data) : '(event not found; give --tenant for your own ids)',
      ],
    ]);
    if (letter.tries.length > 0) {
      out.line();
      out.table(
        ['TRY', 'TIME', 'STATUS', 'DURATION', 'ERROR'],
        letter.tries.map((t) => [
          t.attempt,
          formatTime(t.at),
          t.status,
          `${t.durationMs ?? '-'} ms`,
          t.error,
        ]),
      );
    }
    out.line();
  }
  out.line(`Redrive it: hookline dlq redrive --ids ${eventId}`);
}

interface RedriveOptions extends Filter {
  readonly ids?: string;
  readonly wait: boolean;
}

async function redrive(context: Context, options: RedriveOptions): Promise<void> {
  const ids = listOption(options.ids);
  if (ids !== undefined && ids.length === 0) throw new UsageError('--ids names no event id');
  const api = await context.api();
  // The job looks at every letter in the DLQ to pick the matching ones: that is its total.
  const { queueDepth } = options.wait ? await deadLetters(api, {}) : { queueDepth: undefined };
  const started = await api.post<Job>('/v1/dead-letters/redrive', {
    ...(options.endpoint !== undefined && { endpointId: options.endpoint }),
    ...(options.type !== undefined && { eventType: options.type }),
    ...(ids !== undefined && { ids }),
  });
  const job = options.wait ? await waitForJob(api, started, queueDepth) : started;
  printJob(context.out, job);
}

interface ReplayOptions {
  readonly since: string;
  readonly until?: string;
  readonly types?: string;
  readonly onlyFailed?: boolean;
  readonly wait: boolean;
}

async function replay(context: Context, endpointId: string, options: ReplayOptions) {
  const body = {
    since: instantOption('--since', options.since),
    ...(options.until !== undefined && { until: instantOption('--until', options.until) }),
    ...(options.types !== undefined && { eventTypes: listOption(options.types) }),
    ...(options.onlyFailed && { onlyFailed: true }),
  };
  const api = await context.api();
  const started = await api.post<Job>(endpointPath(endpointId, '/replay'), body);
  const job = options.wait ? await waitForJob(api, started) : started;
  printJob(context.out, job);
}

export function registerRecovery(program: Command): void {
  const dlq = program
    .command('dlq')
    .summary('dead letters: list them with reasons, redrive them')
    .description(
      'Deliveries that used up their attempts (or whose endpoint was gone or disabled).',
    );
  examples(dlq, ['hookline dlq list', 'hookline dlq redrive --endpoint ep_01M8…']);

  const listCommand = dlq
    .command('list')
    .description('List dead letters with their reasons.')
    .option('--endpoint <id>', 'only this endpoint')
    .option('--type <type>', 'only this event type')
    .action((options: Filter, cmd: Command) => list(contextOf(cmd), options));
  examples(listCommand, [
    'hookline dlq list',
    'hookline dlq list --endpoint ep_01M8… --type invoice.paid --json',
  ]);

  const showCommand = dlq
    .command('show')
    .description('Show the dead letters of one event: reason, each try, and the event.')
    .argument('<event-id>', 'event id')
    .option('--endpoint <id>', 'only its letter for this endpoint')
    .option('--tenant <tenant>', 'tenant of an event published with your own id')
    .action((id: string, options: Filter & { tenant?: string }, cmd: Command) =>
      show(contextOf(cmd), id, options),
    );
  examples(showCommand, ['hookline dlq show msg_01M8GJMX5WJG5E4JHS0JB76S00']);

  const redriveCommand = dlq
    .command('redrive')
    .description(
      'Send dead letters back for a fresh set of attempts, and wait until the job is done.',
    )
    .option('--endpoint <id>', 'only this endpoint')
    .option('--type <type>', 'only this event type')
    .option('--ids <ids>', 'only these event ids, comma-separated')
    .option('--no-wait', 'print the job and return at once')
    .action((options: RedriveOptions, cmd: Command) => redrive(contextOf(cmd), options));
  examples(redriveCommand, [
    'hookline dlq redrive --endpoint ep_01M8…',
    'hookline dlq redrive --ids msg_01M8…,msg_01M9…',
    'hookline dlq redrive --type invoice.paid --no-wait',
  ]);

  const replayCommand = program
    .command('replay')
    .summary("re-deliver an endpoint's events from the event log")
    .description(
      "Re-deliver an endpoint's events from the event log, and wait until the job is done.",
    )
    .argument('<endpoint-id>', 'endpoint id (ep_…)')
    .requiredOption('--since <time>', 'from this time: ISO-8601, or back from now like 2h')
    .option('--until <time>', 'before this time (default: now)')
    .option('--types <types>', 'only these event types, comma-separated (prefix.* too)')
    .option('--only-failed', 'only events not yet delivered to it')
    .option('--no-wait', 'print the job and return at once')
    .action((id: string, options: ReplayOptions, cmd: Command) =>
      replay(contextOf(cmd), id, options),
    );
  examples(replayCommand, [
    'hookline replay ep_01M8… --since 2h',
    "hookline replay ep_01M8… --since 2026-11-27T00:00:00Z --until 2026-11-27T06:00:00Z --types 'invoice.*' --only-failed",
  ]);

  const jobs = program
    .command('jobs')
    .summary('follow replay and redrive jobs')
    .description('Replay and redrive jobs: their progress, and waiting for them.');
  examples(jobs, ['hookline jobs show job_01M8…', 'hookline jobs wait job_01M8…']);
  const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;
  const showJob = jobs
    .command('show')
    .description("Show a job's progress.")
    .argument('<id>', 'job id (job_…)')
    .action(async (id: string, _options: object, cmd: Command) => {
      const context = contextOf(cmd);
      printJob(context.out, await (await context.api()).get<Job>(jobPath(id)));
    });
  examples(showJob, ['hookline jobs show job_01M8GJN2W37RZX2GWKNZRQE1MN']);
  const waitJob = jobs
    .command('wait')
    .description('Wait until a job is done, with a progress bar.')
    .argument('<id>', 'job id (job_…)')
    .action(async (id: string, _options: object, cmd: Command) => {
      const context = contextOf(cmd);
      const api = await context.api();
      printJob(context.out, await waitForJob(api, await api.get<Job>(jobPath(id))));
    });
  examples(waitJob, ['hookline jobs wait job_01M8GJN2W37RZX2GWKNZRQE1MN']);
}
