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

interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  Time?: string | number;
  Resources?: string[];
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: Array<{ EventId?: string; ErrorCode?: string; ErrorMessage?: string }>;
}

export interface LocalBusOptions {
  readonly busName: string;
  readonly pattern: EventPattern;
  /** The rule's target; called after PutEvents answers, as EventBridge does. */
  readonly target: (event: EventBridgeEvent<string, unknown>) => Promise<unknown>;
  readonly onTargetFailure: (event: EventBridgeEvent<string, unknown>, error: unknown) => void;
  /** Lambda retries a failed asynchronous invocation twice. */
  readonly retryAttempts?: number;
}

/** How many entries the local bus keeps for `GET /_local/bus`. */
const KEPT_ENTRIES = 1000;

export class LocalEventBus {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly kept: EventBridgeEvent<string, unknown>[] = [];

  constructor(private readonly options: LocalBusOptions) {}

  private isThisBus(name: string | undefined): boolean {
    return (
      name === this.options.busName ||
      (name?.endsWith(`:event-bus/${this.options.busName}`) ?? false)
    );
  }

  putEvents(request: { Entries?: PutEventsEntry[] }): PutEventsResult {
    const entries = request.Entries ?? [];
    const results = entries.map((entry) => {
      if (!this.isThisBus(entry.EventBusName)) {
        return {
          ErrorCode: 'ResourceNotFoundException',
          ErrorMessage: `only the bus ${this.options.busName} exists locally`,
        };
      }
      if (!entry.Source || !entry.DetailType || entry.Detail === undefined) {
        return {
          ErrorCode: 'MalformedDetail',
          ErrorMessage: 'Source, DetailType and Detail are required',
        };
      }
      let detail: unknown;
      try {
        detail = JSON.parse(entry.Detail);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is not valid JSON' };
      }
      const time =
        entry.Time === undefined
          ? new Date()
          : new Date(typeof entry.Time === 'number' ? entry.Time * 1000 : entry.Time);
      const event: EventBridgeEvent<string, unknown> = {
        version: '0',
        id: randomUUID(),
        'detail-type': entry.DetailType,
        source: entry.Source,
        account: '000000000000',
        time: time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        region: LOCAL_REGION,
        resources: entry.Resources ?? [],
        detail,
      };
      this.kept.push(event);
      if (this.kept.length > KEPT_ENTRIES) this.kept.shift();
      if (matchesPattern(event as unknown as Record<string, unknown>, this.options.pattern)) {
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
