import { type Command, Option } from 'commander';
import { contextOf, examples } from '../context.js';
import { integerOption } from '../durations.js';
import { formatTime } from '../output.js';
import { endpointPath } from './endpoints.js';

/** One attempt of the attempt log. */
interface Attempt {
  readonly eventId: string;
  readonly eventType: string;
  readonly outcome: 'delivered' | 'failed';
  readonly at: string;
  readonly durationMs?: number;
  readonly attempt?: number;
  readonly status?: number;
  readonly error?: string;
}

interface Window {
  readonly attempts: number;
  readonly delivered: number;
  readonly failed: number;
  readonly successRatio: number | null;
  readonly latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  readonly deadLetters: number;
}

interface Stats {
  readonly endpointId: string;
  readonly lastHour: Window;
  readonly lastDay: Window;
  readonly complete: boolean;
}

const ms = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${value} ms`;
const ratio = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)} %`);

export function registerHealth(program: Command): void {
  const attempts = program
    .command('attempts')
    .summary("an endpoint's attempt log")
    .description("An endpoint's attempt log, newest first: status, duration and error of each try.")
    .argument('<endpoint-id>', 'endpoint id (ep_…)')
    .addOption(new Option('--status <status>', 'only these').choices(['failed', 'delivered']))
    .option('--limit <n>', 'at most this many', '50')
    .action(async (id: string, options: { status?: string; limit: string }, cmd: Command) => {
      const context = contextOf(cmd);
      const limit = integerOption('--limit', options.limit, 1);
      const api = await context.api();
      const items = await api.collect<Attempt>(
        endpointPath(id, '/attempts'),
        { status: options.status },
        limit,
      );
      const { out } = context;
      out.data(items);
      if (items.length === 0) {
        out.line(
          `No ${options.status ?? ''}${options.status ? ' ' : ''}attempts recorded for ${id}.`,
        );
        return;
      }
      out.table(
        ['TIME', 'EVENT', 'TYPE', 'TRY', 'OUTCOME', 'STATUS', 'DURATION', 'ERROR'],
        items.map((a) => [
          formatTime(a.at),
          a.eventId,
          a.eventType,
          a.attempt,
          out.status(a.outcome),
          a.status,
          ms(a.durationMs),
          a.error,
        ]),
      );
    });
  examples(attempts, [
    'hookline attempts ep_01M8… --status failed',
    'hookline attempts ep_01M8… --limit 200 --json',
  ]);

  const stats = program
    .command('stats')
    .summary("an endpoint's delivery figures, last hour and day")
    .description(
      "An endpoint's deliveries, success ratio, latency and dead letters, last hour and day.",
    )
    .argument('<endpoint-id>', 'endpoint id (ep_…)')
    .action(async (id: string, _options: object, cmd: Command) => {
      const context = contextOf(cmd);
      const figures = await (await context.api()).get<Stats>(endpointPath(id, '/stats'));
      const { out } = context;
      out.data(figures);
      out.line(`Endpoint ${figures.endpointId}`);
      const row = (name: string, pick: (w: Window) => string | number) => [
        name,
        pick(figures.lastHour),
        pick(figures.lastDay),
      ];
      out.table(
        ['', 'LAST HOUR', 'LAST DAY'],
        [
          row('attempts', (w) => w.attempts),
          row('delivered', (w) => w.delivered),
          row('failed', (w) => w.failed),
          row('success', (w) => ratio(w.successRatio)),
          row('latency p50', (w) => ms(w.latencyMs.p50)),
          row('latency p95', (w) => ms(w.latencyMs.p95)),
          row('latency p99', (w) => ms(w.latencyMs.p99)),
          row('dead letters', (w) => w.deadLetters),
        ],
      );
      if (!figures.complete) out.line('(a sample: the day held more attempts than were read)');
    });
  examples(stats, ['hookline stats ep_01M8GJMNCQ5JDV1V2DS1G1P63A']);
}
