/**
 * The Lambda side: containers of the dispatcher function (each with its own handler, caches
 * and sender, as warm Lambda instances have) and, per queue, an event source mapping that
 * receives batches and invokes the function at most `maxConcurrency` times at once.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { localContext } from '../../lib/local/lambda-context';
import { sqsRecord } from '../../lib/local/sqs-records';
import type { SimClock } from './clock';
import { OverLimitError, type SimQueue, type StoredMessage } from './sqs';
import { idIn, type SimSender } from './world';

export interface Container {
  readonly handle: (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;
  readonly sender: SimSender;
  readonly context: Context;
}

/** Warm containers of the one dispatcher function both lanes invoke. */
export class FunctionPool {
  private readonly idle: Container[] = [];
  created = 0;

  constructor(
    private readonly create: () => Omit<Container, 'context'>,
    private readonly timeoutMs: number,
  ) {}

  take(): Container {
    const warm = this.idle.pop();
    if (warm) return warm;
    this.created += 1;
    return { ...this.create(), context: localContext('dispatcher', this.timeoutMs) };
  }

  give(container: Container): void {
    this.idle.push(container);
  }
}

export interface LaneOptions {
  readonly maxConcurrency: number;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly functionTimeoutMs: number;
  /** Billed per invocation besides the wait for answers (start, batch bookkeeping). */
  readonly overheadMs: number;
  /** CPU per record (parse, sign, classify). */
  readonly perRecordMs: number;
}

export interface LaneFigures {
  invocations: number;
  records: number;
  billedMs: number;
  peakConcurrency: number;
  itemFailures: number;
  timedOut: number;
  overLimitPauses: number;
}

/** One event source mapping: the queue, its batching and its maximum concurrency. */
export class Lane {
  readonly figures: LaneFigures = {
    invocations: 0,
    records: 0,
    billedMs: 0,
    peakConcurrency: 0,
    itemFailures: 0,
    timedOut: 0,
    overLimitPauses: 0,
  };
  active = 0;
  private windowOpenedAt: number | undefined;
  /**
   * Since when the lane has had a free slot but no full batch: a message visible meanwhile
   * waited for its batch to fill, which at a fraction of the traffic takes longer than at
   * full scale. Unset while every slot is busy: a wait then is the lane falling behind.
   */
  private idleSince: number | undefined;
  private readonly arn: string;

  constructor(
    readonly queue: SimQueue,
    private readonly pool: FunctionPool,
    private readonly clock: SimClock,
    private readonly options: LaneOptions,
    private readonly onSettled: (messages: readonly StoredMessage[]) => void,
  ) {
    this.arn = `arn:aws:sqs:us-east-1:000000000000:hookline-${queue.name}`;
  }

  /**
   * Starts invocations while the lane has room and a full batch is waiting, or a partial
   * one has waited out the batching window; returns how many it started.
   */
  pump(): number {
    const started = this.startBatches();
    if (this.active < this.options.maxConcurrency) this.idleSince ??= this.clock.now;
    else this.idleSince = undefined;
    return started;
  }

  private startBatches(): number {
    const { maxConcurrency, batchSize, batchingWindowMs } = this.options;
    let started = 0;
    while (this.active < maxConcurrency) {
      const visible = this.queue.visibleCount;
      if (visible === 0) {
        this.windowOpenedAt = undefined;
        return started;
      }
      if (visible < batchSize) {
        this.windowOpenedAt ??= this.clock.now;
        if (this.clock.now - this.windowOpenedAt < batchingWindowMs) return started;
      }
      let batch: StoredMessage[];
      try {
        batch = this.queue.receive(batchSize);
      } catch (error) {
        if (!(error instanceof OverLimitError)) throw error;
        this.figures.overLimitPauses += 1;
        return started;
      }
      this.windowOpenedAt = undefined;
      if (batch.length === 0) continue;
      started += 1;
      void this.invoke(batch);
    }
    return started;
  }

  private async invoke(batch: StoredMessage[]): Promise<void> {
    const f = this.figures;
    this.active += 1;
    if (this.active > f.peakConcurrency) f.peakConcurrency = this.active;
    const container = this.pool.take();
    const { sender } = container;
    sender.longestMs = 0;
    sender.batchWaits.clear();
    const idleSince = this.idleSince;
    if (idleSince !== undefined) {
      for (const message of batch) {
        const waited = this.clock.now - Math.max(message.visibleAt, idleSince);
        if (waited > 0) sender.batchWaits.set(idIn(message.body), waited);
      }
    }
    const now = String(this.clock.now);
    const event: SQSEvent = {
      Records: batch.map((message) =>
        sqsRecord(
          {
            messageId: String(message.id),
            receiptHandle: `${message.id}/${message.receipt}`,
            body: message.body,
            receiveCount: String(message.receiveCount),
            sentTimestamp: now,
            firstReceiveTimestamp: now,
          },
          this.arn,
        ),
      ),
    };
    const response = await container.handle(event, container.context);
    const durationMs = container.sender.longestMs + this.options.overheadMs;
    const billed = Math.ceil(durationMs + this.options.perRecordMs * batch.length);
    f.invocations += 1;
    f.records += batch.length;
    f.billedMs += Math.min(billed, this.options.functionTimeoutMs);
    this.pool.give(container);
    this.active -= 1;
    if (billed > this.options.functionTimeoutMs) {
      // Lambda cut the invocation off: nothing is deleted, every message comes back.
      f.timedOut += 1;
    } else {
      const failed = new Set(response.batchItemFailures.map((item) => item.itemIdentifier));
      f.itemFailures += failed.size;
      const done = failed.size === 0 ? batch : batch.filter((m) => !failed.has(String(m.id)));
      this.queue.deleteBatch(done);
      this.onSettled(done);
    }
    this.pump();
  }
}
