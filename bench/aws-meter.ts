/**
 * Counts what the system asks of AWS, by middleware on the SDK clients the handlers use:
 * DynamoDB capacity units from item sizes, SQS and EventBridge billable requests (64 KB
 * chunks), and, from the local event source mapping's own SQS client, Lambda invocations.
 */
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type QueueName, queues } from '#shared/queues';
import type { LocalHookline } from '../lib/local/runtime';
import { DynamoMeter } from './dynamo-meter';

export interface Row {
  service: 'dynamodb' | 'sqs' | 'eventbridge';
  operation: string;
  /** Table (or table/index), queue or bus. */
  target: string;
  /** What `units` counts: write or read request units, billable requests, billable events. */
  unit: 'WRU' | 'RRU' | 'requests' | 'events';
  /**
   * Who sent it: the handlers' clients, the event source mapping's poller, or a producer
   * outside Hookline (PutEvents on the producers' bus, which the deployment pays for too).
   */
  caller: 'functions' | 'event-source-mapping' | 'producer';
  calls: number;
  units: number;
  items: number;
  bytes: number;
}

export interface FunctionFigures {
  invocations: number;
  records: number;
  durationsMs: number[];
  /** Records of the invocations whose duration was measured (`durationsMs`). */
  measuredRecords: number;
}

export interface MeterSnapshot {
  rows: Row[];
  functions: Record<string, FunctionFigures>;
  problems: string[];
}

export type Input = Record<string, unknown>;
export type Output = Record<string, unknown> | undefined;
type Middleware = (
  next: (args: { input: Input }) => Promise<{ output: Output }>,
  context: { commandName?: string },
) => (args: { input: Input }) => Promise<{ output: Output }>;
export interface Stack {
  add(middleware: Middleware, options: { step: string; name: string }): void;
}

const utf8 = (text: unknown) => (typeof text === 'string' ? Buffer.byteLength(text) : 0);
const chunks = (bytes: number) => Math.max(1, Math.ceil(bytes / 65_536));

function attributesSize(attributes: unknown): number {
  return Object.entries((attributes ?? {}) as Record<string, MessageAttributeValue>).reduce(
    (sum, [name, a]) =>
      sum + utf8(name) + utf8(a.DataType) + utf8(a.StringValue) + (a.BinaryValue?.length ?? 0),
    0,
  );
}

export class AwsMeter {
  private rows = new Map<string, Row>();
  private functions: Record<string, FunctionFigures> = {};
  private problems: string[] = [];
  private readonly inFlight = new Map<string, { fn: string; start: number; records: number }>();
  private readonly queueByUrl = new Map<string, string>();
  private readonly dynamo: DynamoMeter;

  constructor(local: Pick<LocalHookline, 'queueUrls' | 'tableNames' | 'dynamoEndpoint'>) {
    for (const [name, url] of Object.entries(local.queueUrls)) {
      this.queueByUrl.set(url, queues[name as QueueName].name);
    }
    this.dynamo = new DynamoMeter(
      {
        add: (row, units, items, bytes) => this.add(row, units, items, bytes),
        problem: (text) => this.problems.push(text),
      },
      local,
    );
  }

  private add(
    row: Omit<Row, 'calls' | 'units' | 'items' | 'bytes'>,
    units: number,
    items = 0,
    bytes = 0,
  ) {
    const key = `${row.service}|${row.operation}|${row.target}|${row.unit}|${row.caller}`;
    const existing = this.rows.get(key) ?? { ...row, calls: 0, units: 0, items: 0, bytes: 0 };
    existing.calls++;
    existing.units += units;
    existing.items += items;
    existing.bytes += bytes;
    this.rows.set(key, existing);
  }

  snapshot(): MeterSnapshot {
    return structuredClone({
      rows: [...this.rows.values()],
      functions: this.functions,
      problems: this.problems,
    });
  }

  /** DynamoDB through the document client: capacity units from item sizes. */
  attachDynamo(client: DynamoDBDocumentClient): void {
    this.dynamo.attach(client);
  }

  reset(): void {
    this.rows = new Map();
    this.functions = {};
    this.problems = [];
  }

  // ---- SQS ------------------------------------------------------------------------------

  private sqsMiddleware(caller: Row['caller']): Middleware {
    return (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const result = await next(args);
      this.countSqs(operation, args.input, result.output, caller);
      return result;
    };
  }

  attachSqs(client: SQSClient): void {
    (client.middlewareStack as unknown as Stack).add(this.sqsMiddleware('functions'), {
      step: 'initialize',
      name: 'benchAwsMeter',
    });
    // The local event source mapping (lib/local/poller.ts) has its own client: meter every
    // other SQS client on its first request.
    const seen = new WeakSet<object>([client]);
    const proto = SQSClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
    const original = proto.send;
    const mw = this.sqsMiddleware('event-source-mapping');
    proto.send = function (this: SQSClient, ...args: unknown[]) {
      if (!seen.has(this)) {
        seen.add(this);
        (this.middlewareStack as unknown as Stack).add(mw, {
          step: 'initialize',
          name: 'benchAwsMeterPoller',
        });
      }
      return original.apply(this, args);
    };
  }

  private countSqs(operation: string, input: Input, output: Output, caller: Row['caller']) {
    const target =
      this.queueByUrl.get(String(input.QueueUrl)) ?? String(input.QueueUrl).split('/').pop() ?? '?';
    const base = { service: 'sqs' as const, target, unit: 'requests' as const, caller };
    if (operation === 'SendMessageBatch' || operation === 'SendMessage') {
      const entries = (operation === 'SendMessage' ? [input] : (input.Entries as Input[])) ?? [];
      const bytes = entries.reduce(
        (s, e) => s + utf8(e.MessageBody) + attributesSize(e.MessageAttributes),
        0,
      );
      this.add({ ...base, operation }, chunks(bytes), entries.length, bytes);
      return;
    }
    if (operation === 'ReceiveMessage') {
      const messages = (output?.Messages ?? []) as Input[];
      const bytes = messages.reduce(
        (s, m) => s + utf8(m.Body) + attributesSize(m.MessageAttributes),
        0,
      );
      const label = messages.length === 0 ? 'ReceiveMessage (empty)' : 'ReceiveMessage';
      this.add({ ...base, operation: label }, chunks(bytes), messages.length, bytes);
      if (caller === 'event-source-mapping' && messages.length > 0) this.invoked(target, messages);
      return;
    }
    if (operation === 'DeleteMessageBatch' && caller === 'event-source-mapping') {
      const first = (input.Entries as Input[] | undefined)?.[0]?.ReceiptHandle;
      const started = this.inFlight.get(String(first));
      if (started) {
        const figures = this.functionFigures(started.fn);
        figures.durationsMs.push(Date.now() - started.start);
        figures.measuredRecords += started.records;
      }
      for (const entry of (input.Entries as Input[]) ?? [])
        this.inFlight.delete(String(entry.ReceiptHandle));
    }
    const items = Array.isArray(input.Entries) ? input.Entries.length : 1;
    this.add({ ...base, operation }, 1, items);
  }

  private functionFigures(fn: string): FunctionFigures {
    this.functions[fn] ??= { invocations: 0, records: 0, durationsMs: [], measuredRecords: 0 };
    return this.functions[fn];
  }

  /** A receive that returned messages is one invocation of the queue's function. */
  private invoked(queue: string, messages: Input[]) {
    const fn =
      queue === queues.delivery.name ? 'dispatcher' : queue === queues.jobs.name ? 'replay' : queue;
    const figures = this.functionFigures(fn);
    figures.invocations++;
    figures.records += messages.length;
    const start = Date.now();
    const entry = { fn, start, records: messages.length };
    for (const m of messages) this.inFlight.set(String(m.ReceiptHandle), entry);
  }

  // ---- EventBridge ----------------------------------------------------------------------

  /**
   * PutEvents through `client`: the dispatcher's operational events by default; a producer's
   * entries on the producers' bus with `caller: 'producer'`. Billed per entry (64 KB chunks).
   */
  attachEventBridge(
    client: EventBridgeClient,
    { caller, target }: { caller: Row['caller']; target: string } = {
      caller: 'functions',
      target: 'bus',
    },
  ): void {
    (client.middlewareStack as unknown as Stack).add(
      (next, context) => async (args) => {
        const operation = (context.commandName ?? '').replace(/Command$/, '');
        const entries = (args.input.Entries ?? []) as Input[];
        const sizes = entries.map((e) => utf8(e.Detail) + utf8(e.DetailType) + utf8(e.Source));
        const units = sizes.reduce((s, b) => s + chunks(b), 0);
        const row = {
          service: 'eventbridge' as const,
          operation,
          target,
          unit: 'events' as const,
          caller,
        };
        this.add(
          row,
          units,
          entries.length,
          sizes.reduce((a, b) => a + b, 0),
        );
        return next(args);
      },
      { step: 'initialize', name: 'benchAwsMeter' },
    );
  }

  /** Lambda invocations the bench itself knows of (API requests), added to the figures. */
  countInvocation(fn: string, durationMs: number, records = 1): void {
    const figures = this.functionFigures(fn);
    figures.invocations++;
    figures.records += records;
    figures.durationsMs.push(durationMs);
    figures.measuredRecords += records;
  }

  /**
   * The local bus invokes its rule's target (ingest) in-process, as EventBridge invokes a
   * Lambda target asynchronously: each call of the target, retries included, is counted as an
   * invocation of `fn` with its measured duration. Wraps the target of every bus of `busClass`
   * on its next `putEvents`; the handler itself is the local runtime's, untouched.
   *
   * The local bus starts every target at once; at most `concurrency` run here at a time (the
   * others wait, as Lambda queues asynchronous invocations), so that a duration is one
   * invocation's, not that of many sharing two cores. The wait is not billed.
   */
  attachLocalBus(
    busClass: { prototype: object },
    { fn = 'ingest (EventBridge target)', concurrency = 2 } = {},
  ): void {
    type Bus = {
      options: { target: (event: unknown) => Promise<unknown> };
      putEvents: (...args: unknown[]) => unknown;
    };
    const proto = busClass.prototype as Bus;
    const original = proto.putEvents;
    const wrapped = new WeakSet<object>();
    const meter = this;
    let running = 0;
    const waiting: (() => void)[] = [];
    proto.putEvents = function (this: Bus, ...args: unknown[]) {
      if (!wrapped.has(this)) {
        wrapped.add(this);
        const target = this.options.target;
        this.options = {
          ...this.options,
          target: async (event: unknown) => {
            while (running >= concurrency) await new Promise<void>((go) => waiting.push(go));
            running++;
            const started = performance.now();
            try {
              return await target(event);
            } finally {
              meter.countInvocation(fn, performance.now() - started);
              running--;
              waiting.shift()?.();
            }
          },
        };
      }
      return original.apply(this, args);
    };
  }

  close(): void {
    this.dynamo.close();
  }
}
