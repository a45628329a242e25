/**
 * The smallest EventBridge that serves Hookline locally: `PutEvents` for one bus, routed with
 * the stack's rule pattern. Only the pattern operators Hookline's rule uses are understood.
 */
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent } from 'aws-lambda';
import { LOCAL_REGION } from './tables';

type PatternValue =
  | string
  | { prefix: string }
  | { 'anything-but': string | string[] | { prefix: string } };
export type EventPattern = Readonly<Record<string, readonly PatternValue[]>>;

function matchesValue(value: unknown, rule: PatternValue): boolean {
  if (typeof rule === 'string') return value === rule;
  if ('prefix' in rule) return typeof value === 'string' && value.startsWith(rule.prefix);
  const excluded = rule['anything-but'];
  if (typeof excluded === 'string') return value !== excluded;
  if (Array.isArray(excluded)) return !excluded.includes(value as string);
  return typeof value === 'string' && !value.startsWith((excluded as { prefix: string }).prefix);
}

export function matchesPattern(event: Record<string, unknown>, pattern: EventPattern): boolean {
  return Object.entries(pattern).every(([field, rules]) =>
    rules.some((rule) => matchesValue(event[field], rule)),
  );
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  /** Epoch seconds, as the SDKs send it; an ISO-8601 string is taken too, for curl. */
  Time?: string | number;
  Resources?: string[];
}

export interface PutEventsRequest {
  readonly Entries: readonly PutEventsEntry[];
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
}

/** EventBridge's limits on one `PutEvents` call. */
export const PUT_EVENTS_LIMITS = {
  /** Entries per call. */
  maxEntries: 10,
  /** Total entry size (EventBridge's way of counting, see `entrySize`): 256 KiB. */
  maxEntriesBytes: 256 * 1024,
  /** EventBridge reads `Detail` JSON up to this depth. */
  maxDetailDepth: 1000,
} as const;

/**
 * A `PutEvents` request EventBridge refuses as a whole, before any entry is put: the HTTP 400
 * and the JSON error body (`__type`, `message`) of the AWS JSON protocol.
 */
export class PutEventsRequestError extends Error {
  readonly status = 400;
  constructor(
    readonly type: 'SerializationException' | 'ValidationException',
    message: string,
  ) {
    super(message);
  }

  body() {
    return { __type: this.type, message: this.message };
  }
}

const serialization = (message: string) =>
  new PutEventsRequestError('SerializationException', message);

const STRING_FIELDS = ['Source', 'DetailType', 'Detail', 'EventBusName', 'TraceHeader'] as const;

/** An entry's size as EventBridge counts it for the 256 KiB limit. */
function entrySize(entry: PutEventsEntry): number {
  const bytes = (text: string | undefined) => (text === undefined ? 0 : Buffer.byteLength(text));
  return (
    (entry.Time === undefined ? 0 : 14) +
    bytes(entry.Source) +
    bytes(entry.DetailType) +
    bytes(entry.Detail) +
    (entry.Resources ?? []).reduce((sum, resource) => sum + bytes(resource), 0)
  );
}

/** `Time` as a date, or undefined when it is no time at all. */
function timeOf(time: string | number): Date | undefined {
  const date = new Date(typeof time === 'number' ? time * 1000 : time);
  return Number.isFinite(date.getTime()) ? date : undefined;
}

/** One entry's fields checked for their JSON types, as the service's deserializer does. */
function checkEntry(entry: unknown, index: number): PutEventsEntry {
  const at = `Entries[${index}]`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    throw serialization(`${at} is not a structure`);
  const fields = entry as Record<string, unknown>;
  const checked: Record<string, unknown> = {};
  for (const name of STRING_FIELDS) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw serialization(`${at}.${name} is not a string`);
    checked[name] = value;
  }
  const { Resources: resources, Time: time } = fields;
  if (resources !== undefined && resources !== null) {
    if (!Array.isArray(resources) || resources.some((r) => typeof r !== 'string'))
      throw serialization(`${at}.Resources is not a list of strings`);
    checked.Resources = resources;
  }
  if (time !== undefined && time !== null) {
    if ((typeof time !== 'number' && typeof time !== 'string') || !timeOf(time))
      throw serialization(`${at}.Time is not a timestamp (epoch seconds or ISO-8601)`);
    checked.Time = time;
  }
  return checked as PutEventsEntry;
}

/**
 * Reads a `PutEvents` request body as EventBridge does, refusing the whole request
 * ({@link PutEventsRequestError}) for what EventBridge refuses as a whole: a body that is not
 * JSON or not of the request's shape, no entries or more than 10, entries over 256 KiB in all.
 * Whatever passes can be put without failing half-way.
 */
export function parsePutEventsRequest(body: string): PutEventsRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body || '{}');
  } catch (error) {
    throw serialization(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw serialization('the request body is not a JSON object');
  const entries = (parsed as { Entries?: unknown }).Entries;
  if (entries === undefined || entries === null) {
    throw new PutEventsRequestError(
      'ValidationException',
      "1 validation error detected: Value null at 'entries' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(entries)) throw serialization('Entries is not a list');
  const { maxEntries, maxEntriesBytes } = PUT_EVENTS_LIMITS;
  if (entries.length < 1 || entries.length > maxEntries) {
    const bound =
      entries.length < 1
        ? 'greater than or equal to 1'
        : `less than or equal to ${maxEntries} (got ${entries.length})`;
    throw new PutEventsRequestError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length ${bound}`,
    );
  }
  const checked = entries.map(checkEntry);
  const size = checked.reduce((sum, entry) => sum + entrySize(entry), 0);
  if (size > maxEntriesBytes) {
    throw new PutEventsRequestError(
      'ValidationException',
      `Total size of the entries in the request is over the limit (${size} bytes; at most ${maxEntriesBytes})`,
    );
  }
  return { Entries: checked };
}

/** How deep JSON text nests, counted without parsing it (so without recursion). */
function nestingDepth(json: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const char = json[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') deepest = Math.max(deepest, ++depth);
    else if (char === '}' || char === ']') depth--;
  }
  return deepest;
}

export interface LocalBusOptions {
  readonly busName: string;
  readonly pattern: EventPattern;
  /** The rule's target; called after PutEvents answers, as EventBridge does. */
  readonly target: (event: EventBridgeEvent<string, unknown>) => Promise<unknown>;
  readonly onTargetFailure: (event: EventBridgeEvent<string, unknown>, error: unknown) => void;
  /** Lambda retries a failed asynchronous invocation twice. */
  readonly retryAttempts?: number;
  /**
   * Other buses that exist locally without rules (e.g. Hookline's operations bus): their
   * entries are accepted and kept for `GET /_local/bus`, and go to no target.
   */
  readonly ruleless?: readonly string[];
}

/** How many entries the local bus keeps for `GET /_local/bus`. */
const KEPT_ENTRIES = 1000;

export class LocalEventBus {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly kept: EventBridgeEvent<string, unknown>[] = [];

  constructor(private readonly options: LocalBusOptions) {}

  /** Which local bus a name or ARN means: the one with the rule, a rule-less one, or none. */
  private busNamed(name: string | undefined): 'ruled' | 'ruleless' | undefined {
    const named = (bus: string) => name === bus || (name?.endsWith(`:event-bus/${bus}`) ?? false);
    if (named(this.options.busName)) return 'ruled';
    return this.options.ruleless?.some(named) ? 'ruleless' : undefined;
  }

  /**
   * Puts the entries of a request {@link parsePutEventsRequest} accepted. As in EventBridge,
   * an entry that cannot be put fails alone (`FailedEntryCount`, `ErrorCode`) and the others
   * are put.
   */
  putEvents(request: PutEventsRequest): PutEventsResult {
    const results = request.Entries.map((entry) => {
      const bus = this.busNamed(entry.EventBusName);
      if (!bus) {
        const known = [this.options.busName, ...(this.options.ruleless ?? [])].join(', ');
        return {
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `no bus ${entry.EventBusName} locally; these exist: ${known}`,
        };
      }
      if (!entry.Source || !entry.DetailType) {
        const missing = entry.Source ? 'DetailType' : 'Source';
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: `Parameter ${missing} is not valid. Reason: ${missing} is a required argument.`,
        };
      }
      const detail = parseDetail(entry.Detail);
      if (typeof detail === 'string') return { ErrorCode: 'MalformedDetail', ErrorMessage: detail };
      const time = entry.Time === undefined ? new Date() : (timeOf(entry.Time) ?? new Date());
      const event: EventBridgeEvent<string, unknown> = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: LOCAL_REGION,
        resources: entry.Resources ?? [],
        detail: detail.value,
      };
      this.kept.push(event);
      if (this.kept.length > KEPT_ENTRIES) this.kept.shift();
      const routed = bus === 'ruled';
      if (
        routed &&
        matchesPattern(event as unknown as Record<string, unknown>, this.options.pattern)
      ) {
        this.deliver(event);
      }
      return { EventId: event.id };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  }

  private deliver(event: EventBridgeEvent<string, unknown>): void {
    const attempts = 1 + (this.options.retryAttempts ?? 2);
    const run = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.options.target(event);
          return;
        } catch (error) {
          if (attempt >= attempts) {
            this.options.onTargetFailure(event, error);
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
        }
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Every entry put on the bus lately, oldest first: operational events included. */
  recent(): readonly EventBridgeEvent<string, unknown>[] {
    return this.kept;
  }

  /** Waits for targets still running, so a stop loses nothing that was accepted. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

/** `Detail` parsed, or why EventBridge would call it malformed: it must be a JSON object. */
function parseDetail(text: string | undefined): { value: object } | string {
  if (text === undefined) return 'Detail is required';
  if (nestingDepth(text) > PUT_EVENTS_LIMITS.maxDetailDepth)
    return `Detail nests deeper than ${PUT_EVENTS_LIMITS.maxDetailDepth} levels`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'Detail is not valid JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return 'Detail is not a JSON object';
  return { value };
}
