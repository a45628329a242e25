/**
 * A standard SQS queue with the limits Hookline must live with: DelaySeconds of at most 900,
 * a visibility timeout after each receive, ApproximateReceiveCount, redrive to the DLQ once a
 * message was received more than maxReceiveCount times, and about 120,000 in-flight messages
 * (a receive at the cap fails with OverLimit). Delivery order is first-visible, first-out.
 */
import { SQS_MAX_DELAY_SECONDS } from '#shared/limits';
import { Deque, type SimClock, TimeWheel } from './clock';

const State = { Delayed: 0, Visible: 1, InFlight: 2, Deleted: 3, Moved: 4 } as const;
export type State = (typeof State)[keyof typeof State];

export interface StoredMessage {
  readonly id: number;
  readonly body: string;
  receiveCount: number;
  state: State;
  /** Epoch ms it last became visible. */
  visibleAt: number;
  /** Changes on every receive; an older receipt cannot delete or expire the message. */
  receipt: number;
}

export class OverLimitError extends Error {
  constructor(queue: string) {
    super(`OverLimit: ${queue} has too many messages in flight`);
  }
}

export interface QueueOptions {
  readonly visibilityTimeoutSeconds: number;
  readonly maxReceiveCount?: number;
  readonly inflightLimit: number;
  /** Where a message received more than maxReceiveCount times goes (SQS's redrive). */
  readonly redrive?: (message: StoredMessage) => void;
  /** Told of every message a receive hands out. */
  readonly received?: (message: StoredMessage) => void;
}

export interface QueueFigures {
  sent: number;
  receiveCalls: number;
  received: number;
  deleteCalls: number;
  deleted: number;
  overLimit: number;
  visibilityExpired: number;
  redriven: number;
  rejectedSends: number;
  peakInflight: number;
  peakVisible: number;
  peakDelayed: number;
  peakStored: number;
}

export const emptyQueueFigures = (): QueueFigures => ({
  sent: 0,
  receiveCalls: 0,
  received: 0,
  deleteCalls: 0,
  deleted: 0,
  overLimit: 0,
  visibilityExpired: 0,
  redriven: 0,
  rejectedSends: 0,
  peakInflight: 0,
  peakVisible: 0,
  peakDelayed: 0,
  peakStored: 0,
});

export class SimQueue {
  readonly figures = emptyQueueFigures();
  inflight = 0;
  private nextId = 0;
  private readonly visible = new Deque<StoredMessage>();
  private readonly delayed: TimeWheel<StoredMessage>;
  private readonly expiries = new Deque<{ message: StoredMessage; receipt: number; at: number }>();
  private readonly visibilitySteps: number;

  constructor(
    readonly name: string,
    private readonly clock: SimClock,
    private readonly options: QueueOptions,
  ) {
    this.delayed = new TimeWheel(clock.stepsFor(SQS_MAX_DELAY_SECONDS * 1000) + 1);
    this.visibilitySteps = clock.stepsFor(options.visibilityTimeoutSeconds * 1000);
  }

  get visibleCount(): number {
    return this.visible.length;
  }

  get delayedCount(): number {
    return this.delayed.size;
  }

  /** SendMessage: refuses what SQS refuses (DelaySeconds outside 0–900 whole seconds). */
  send(body: string, delaySeconds = 0): void {
    if (!Number.isInteger(delaySeconds) || delaySeconds < 0 || delaySeconds > 900) {
      this.figures.rejectedSends += 1;
      throw new Error(`InvalidParameterValue: DelaySeconds ${delaySeconds} (0 to 900)`);
    }
    this.figures.sent += 1;
    const message: StoredMessage = {
      id: this.nextId++,
      body,
      receiveCount: 0,
      state: State.Visible,
      visibleAt: this.clock.now,
      receipt: 0,
    };
    if (delaySeconds === 0) {
      this.visible.push(message);
      return;
    }
    message.state = State.Delayed;
    const clock = this.clock;
    this.delayed.add(clock.step, clock.step + clock.stepsFor(delaySeconds * 1000), message);
  }

  /** ReceiveMessage of up to `max` messages; throws OverLimitError at the in-flight cap. */
  receive(max: number): StoredMessage[] {
    if (this.inflight >= this.options.inflightLimit) {
      this.figures.overLimit += 1;
      throw new OverLimitError(this.name);
    }
    this.figures.receiveCalls += 1;
    const taken: StoredMessage[] = [];
    const limit = this.options.maxReceiveCount ?? Number.POSITIVE_INFINITY;
    while (taken.length < max && this.inflight < this.options.inflightLimit) {
      const message = this.visible.shift();
      if (!message) break;
      if (message.receiveCount >= limit && this.options.redrive) {
        message.state = State.Moved;
        this.figures.redriven += 1;
        this.options.redrive(message);
        continue;
      }
      message.receiveCount += 1;
      message.receipt += 1;
      message.state = State.InFlight;
      this.inflight += 1;
      this.expiries.push({
        message,
        receipt: message.receipt,
        at: this.clock.step + this.visibilitySteps,
      });
      taken.push(message);
      this.options.received?.(message);
    }
    this.figures.received += taken.length;
    if (this.inflight > this.figures.peakInflight) this.figures.peakInflight = this.inflight;
    return taken;
  }

  /** DeleteMessageBatch of messages received earlier. */
  deleteBatch(messages: readonly StoredMessage[]): void {
    if (messages.length === 0) return;
    this.figures.deleteCalls += Math.ceil(messages.length / 10);
    for (const message of messages) {
      if (message.state !== State.InFlight) continue;
      message.state = State.Deleted;
      this.inflight -= 1;
      this.figures.deleted += 1;
    }
  }

  /** Call once per step: delayed messages become visible, expired receipts visible again. */
  tick(): void {
    const step = this.clock.step;
    const due = this.delayed.take(step);
    if (due) {
      for (const message of due) {
        message.state = State.Visible;
        message.visibleAt = this.clock.now;
        this.visible.push(message);
      }
    }
    for (let head = this.expiries.peek(); head && head.at <= step; head = this.expiries.peek()) {
      this.expiries.shift();
      const { message, receipt } = head;
      if (message.state !== State.InFlight || message.receipt !== receipt) continue;
      message.state = State.Visible;
      message.visibleAt = this.clock.now;
      this.inflight -= 1;
      this.figures.visibilityExpired += 1;
      this.visible.push(message);
    }
    const f = this.figures;
    if (this.visible.length > f.peakVisible) f.peakVisible = this.visible.length;
    if (this.delayed.size > f.peakDelayed) f.peakDelayed = this.delayed.size;
    const stored = this.visible.length + this.delayed.size;
    if (stored > f.peakStored) f.peakStored = stored;
  }

  /** Every message still in the queue (visible, delayed or in flight), for the final count. */
  *remaining(): Generator<StoredMessage> {
    yield* this.visible.items();
    yield* this.delayed.items();
    for (const { message, receipt } of this.expiries.items()) {
      if (message.state === State.InFlight && message.receipt === receipt) yield message;
    }
  }
}
