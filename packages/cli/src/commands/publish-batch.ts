import type { Context } from '../context.js';
import { CliError, describeProblem, type Problem } from '../errors.js';
import { countLines, ndjsonLines } from '../input.js';
import { plural } from '../output.js';
import { ProgressBar } from '../progress.js';
import { busEntry, busTarget, type Via } from './publish.js';

/** `POST /v1/events/batch` takes at most this many events. */
const HTTPS_BATCH = 100;
/** PutEvents takes at most 10 entries; a few calls are grouped between progress updates. */
const BUS_BATCH = 50;

interface BatchOptions {
  readonly tenant?: string;
  readonly idempotencyKey?: string;
  readonly via: Via;
  readonly bus?: string;
  readonly source: string;
}

/** One input line's fate. */
export type LineResult =
  | {
      readonly line: number;
      readonly status: 'accepted';
      readonly id?: string;
      readonly eventBridgeId?: string;
    }
  | { readonly line: number; readonly status: 'duplicate'; readonly id: string }
  | {
      readonly line: number;
      readonly status: 'rejected';
      readonly type?: string;
      readonly httpStatus?: number;
      readonly reason: string;
      readonly problem?: Problem;
    };

interface Pending {
  readonly line: number;
  readonly event: Record<string, unknown>;
}

/** One item of a batch answer (202 or 207). */
interface BatchItem {
  readonly index: number;
  readonly status: number;
  readonly id?: string;
  readonly duplicate?: boolean;
  readonly problem?: Problem;
}

async function sendHttps(
  context: Context,
  chunk: readonly Pending[],
  options: BatchOptions,
  request: number,
): Promise<LineResult[]> {
  const api = await context.api();
  const headers =
    options.idempotencyKey === undefined
      ? undefined
      : // One key per request of 100, so rerunning the same file repeats none of them.
        { 'idempotency-key': `${options.idempotencyKey}-${request}` };
  const answer = await api.post<{ results: BatchItem[] }>(
    '/v1/events/batch',
    { events: chunk.map((p) => p.event) },
    headers,
  );
  return chunk.map(({ line, event }, index): LineResult => {
    const item = answer.results.find((r) => r.index === index);
    if (item && item.status < 300 && item.id !== undefined) {
      // A repeat (same id, or the request's Idempotency-Key) is flagged by the API.
      return item.duplicate === true
        ? { line, status: 'duplicate', id: item.id }
        : { line, status: 'accepted', id: item.id };
    }
    const problem = item?.problem ?? { title: 'no result for this event' };
    return {
      line,
      status: 'rejected',
      ...(typeof event.type === 'string' && { type: event.type }),
      ...(item && { httpStatus: item.status }),
      reason: describeProblem(problem),
      problem,
    };
  });
}

async function sendBus(
  context: Context,
  chunk: readonly Pending[],
  options: BatchOptions,
): Promise<LineResult[]> {
  const { putEvents } = await import('../aws.js');
  const results = await putEvents(
    await busTarget(context, options.bus),
    chunk.map((p) => busEntry(p.event, options.source)),
  );
  return chunk.map(({ line, event }, index): LineResult => {
    const result = results[index];
    if (result?.EventId && !result.ErrorCode) {
      return { line, status: 'accepted', eventBridgeId: result.EventId };
    }
    return {
      line,
      status: 'rejected',
      ...(typeof event.type === 'string' && { type: event.type }),
      reason: `${result?.ErrorCode ?? 'NoResult'}: ${result?.ErrorMessage ?? 'EventBridge answered nothing for it'}`,
    };
  });
}

/**
 * Publishes every line of an NDJSON file or stdin, in requests of 100 (HTTPS) or PutEvents
 * calls of 10, with a progress bar; prints what was accepted and why anything was not, and
 * fails (exit 1) when anything was rejected.
 */
export async function publishBatch(
  context: Context,
  source: string,
  options: BatchOptions,
): Promise<void> {
  const total = await countLines(source);
  const results: LineResult[] = [];
  const bar = new ProgressBar<{ accepted: number; rejected: number }>(
    `publishing {bar} {value}${total === undefined ? '' : '/{total}'} lines | {accepted} accepted | {rejected} rejected`,
  );
  const counts = { accepted: 0, rejected: 0 };
  const record = (settled: readonly LineResult[]) => {
    for (const result of settled) {
      results.push(result);
      if (result.status === 'rejected') counts.rejected++;
      else counts.accepted++;
    }
  };
  const size = options.via === 'https' ? HTTPS_BATCH : BUS_BATCH;
  let pending: Pending[] = [];
  let requests = 0;
  let lastLine = 0;
  const flush = async () => {
    if (pending.length === 0) return;
    const chunk = pending;
    pending = [];
    requests++;
    try {
      record(
        options.via === 'https'
          ? await sendHttps(context, chunk, options, requests)
          : await sendBus(context, chunk, options),
      );
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      // The lines before were published: say so, so a rerun can start after them.
      const first = chunk[0]?.line ?? 0;
      throw new CliError(
        `${error.message} (publishing lines ${first}-${lastLine}; ${plural(counts.accepted, 'event')} before them were accepted)`,
        error.exitCode,
      );
    }
    bar.update(lastLine, counts, total);
  };

  bar.start(total ?? 0, counts);
  try {
    for await (const entry of ndjsonLines(source)) {
      lastLine = entry.line;
      if ('error' in entry) {
        record([{ line: entry.line, status: 'rejected', reason: `line ${entry.error}` }]);
        continue;
      }
      const event =
        options.tenant !== undefined && entry.value.tenant === undefined
          ? { ...entry.value, tenant: options.tenant }
          : entry.value;
      pending.push({ line: entry.line, event });
      if (pending.length >= size) await flush();
    }
    await flush();
  } finally {
    bar.stop();
  }
  report(context, source, options.via, results);
}

function report(context: Context, source: string, via: Via, results: readonly LineResult[]): void {
  const { out } = context;
  const of = (status: LineResult['status']) => results.filter((r) => r.status === status);
  const [accepted, duplicates, rejected] = [of('accepted'), of('duplicate'), of('rejected')];
  out.data({
    accepted: accepted.length,
    duplicates: duplicates.length,
    rejected: rejected.length,
    results: [...results].sort((a, b) => a.line - b.line),
  });
  const from = source === '-' ? 'stdin' : source;
  out.line(
    `Sent ${plural(results.length, 'event')} from ${from} over ${via}: ${accepted.length} accepted, ${plural(duplicates.length, 'duplicate')}, ${rejected.length} rejected`,
  );
  if (via === 'eventbridge' && accepted.length > 0) {
    out.line('Hookline checks events put on the bus as it ingests them: see hookline events list.');
  }
  if (rejected.length > 0) {
    out.line();
    out.table(
      ['LINE', 'TYPE', 'STATUS', 'REASON'],
      [...rejected]
        .sort((a, b) => a.line - b.line)
        .map((r) =>
          r.status === 'rejected' ? [r.line, r.type, r.httpStatus, r.reason] : [r.line],
        ),
    );
    throw new CliError(`${plural(rejected.length, 'event')} of ${from} rejected`);
  }
}
