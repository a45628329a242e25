import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ulid } from 'ulid';
import type { AttemptLog, AttemptLogEntry } from '../../domain/ports';
import { batchPut } from './batch-write';
import { decodeCursor, encodeCursor, type Page } from './cursor';

/** One attempt as the API shows it; grouped success rows are flattened into these. */
export interface AttemptView {
  readonly eventId: string;
  readonly eventType: string;
  readonly outcome: 'delivered' | 'failed';
  readonly at: string;
  readonly attempt?: number;
  readonly status?: number;
  readonly durationMs: number;
  readonly error?: string;
  readonly responseExcerpt?: string;
}

/**
 * A stored row. A failure keeps its attempt in `attempts`. A batch's successes to one endpoint
 * are packed (since 0.4) into `eventIds`, `types` and `results` (`<type index>:<ms>:<status>`
 * per event, comma-separated), so ten of them fit one 1-KB write unit where the list of maps
 * took two; rows written before keep `attempts`.
 */
interface AttemptItem extends Omit<AttemptLogEntry, 'attempts'> {
  readonly attempts?: AttemptLogEntry['attempts'];
  /** Top-level event ids, so a row can be found by event with `contains`. */
  readonly eventIds: string[];
  readonly types?: string[];
  readonly results?: string;
}

function toItem(entry: AttemptLogEntry, expiresAt: number): AttemptItem & { expiresAt: number } {
  const eventIds = entry.attempts.map((a) => a.eventId);
  const packable =
    entry.outcome === 'delivered' &&
    entry.attempts.every(
      (a) => a.error === undefined && a.excerpt === undefined && a.attempt === undefined,
    );
  if (!packable) return { ...entry, attempts: entry.attempts, eventIds, expiresAt };
  const types = [...new Set(entry.attempts.map((a) => a.type))];
  const results = entry.attempts
    .map((a) => `${types.indexOf(a.type)}:${Math.round(a.durationMs)}:${a.status ?? ''}`)
    .join(',');
  const { attempts: _, ...row } = entry;
  return { ...row, eventIds, types, results, expiresAt };
}

/** The attempts of a row, packed or not. */
function attemptsOf(row: AttemptItem): AttemptLogEntry['attempts'] {
  if (row.attempts) return row.attempts;
  const results = (row.results ?? '').split(',');
  return row.eventIds.map((eventId, i) => {
    const [type, ms, status] = (results[i] ?? '').split(':');
    return {
      eventId,
      type: row.types?.[Number(type)] ?? '',
      durationMs: Number(ms) || 0,
      ...(status && { status: Number(status) }),
    };
  });
}

/** A stored row as the API shows it: one view per attempt. */
function toViews(row: AttemptItem): AttemptView[] {
  return attemptsOf(row).map(
    (a): AttemptView => ({
      eventId: a.eventId,
      eventType: a.type,
      outcome: row.outcome,
      at: row.at,
      durationMs: a.durationMs,
      ...(a.attempt !== undefined && { attempt: a.attempt }),
      ...(a.status !== undefined && { status: a.status }),
      ...(a.error !== undefined && { error: a.error }),
      ...(a.excerpt !== undefined && { responseExcerpt: a.excerpt }),
    }),
  );
}

export class DynamoAttemptLog implements AttemptLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  async append(entries: readonly AttemptLogEntry[]): Promise<void> {
    const expiresAt = Math.floor(Date.now() / 1000) + this.retentionDays * 86_400;
    await batchPut(
      this.client,
      this.tableName,
      entries.map((entry) => toItem(entry, expiresAt) as unknown as Record<string, unknown>),
    );
  }

  /** Newest first; `outcome` keeps only delivered or only failed rows. */
  async list(
    endpointId: string,
    options: { outcome?: 'delivered' | 'failed'; limit: number; cursor?: string },
  ): Promise<Page<AttemptView>> {
    const result = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'endpointId = :id',
        ExpressionAttributeValues: {
          ':id': endpointId,
          ...(options.outcome && { ':outcome': options.outcome }),
        },
        ...(options.outcome && { FilterExpression: 'outcome = :outcome' }),
        ScanIndexForward: false,
        Limit: options.limit,
        ExclusiveStartKey: decodeCursor(options.cursor),
      }),
    );
    const items = ((result.Items ?? []) as AttemptItem[]).flatMap(toViews);
    return {
      items,
      ...(result.LastEvaluatedKey && { cursor: encodeCursor(result.LastEvaluatedKey) }),
    };
  }

  /** Attempts since `since`, oldest first, reading at most `maxPages`; `complete` says if all. */
  async since(
    endpointId: string,
    since: string,
    maxPages: number,
  ): Promise<{ items: AttemptView[]; complete: boolean }> {
    const items: AttemptView[] = [];
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < maxPages; page++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'endpointId = :id AND attemptId >= :from',
          ExpressionAttributeValues: {
            ':id': endpointId,
            ':from': ulid(Date.parse(since)).slice(0, 10),
          },
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...((result.Items ?? []) as AttemptItem[]).flatMap(toViews));
      startKey = result.LastEvaluatedKey;
      if (!startKey) return { items, complete: true };
    }
    return { items, complete: false };
  }

  /**
   * When the endpoint confirmed the event, looking only at rows written after `since`
   * (attempt ids are time-ordered ULIDs). Reads at most a few pages: an operator path.
   */
  async deliveredAt(
    endpointId: string,
    eventId: string,
    since: string,
  ): Promise<string | undefined> {
    const from = ulid(Math.max(0, Date.parse(since) - 60_000)).slice(0, 10);
    let startKey: Record<string, unknown> | undefined;
    for (let page = 0; page < 5; page++) {
      const result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'endpointId = :id AND attemptId >= :from',
          FilterExpression: 'outcome = :delivered AND contains(eventIds, :event)',
          ExpressionAttributeValues: {
            ':id': endpointId,
            ':from': from,
            ':delivered': 'delivered',
            ':event': eventId,
          },
          ExclusiveStartKey: startKey,
        }),
      );
      const row = result.Items?.[0] as AttemptItem | undefined;
      if (row) return row.at;
      startKey = result.LastEvaluatedKey;
      if (!startKey) return undefined;
    }
    return undefined;
  }
}
