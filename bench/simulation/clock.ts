/**
 * Simulated time. The clock moves in fixed steps of `quantumMs`; a task that waits (a webhook
 * answer) sleeps until a later step. The driver advances one step, wakes what is due, lets
 * every woken task run until it waits again (one macrotask turn drains all microtasks), and
 * repeats: simulated time only moves when every task is blocked on it.
 */

/** Items filed by the step they are due at, in a ring of `size` steps. */
export class TimeWheel<T> {
  private readonly slots: (T[] | undefined)[];
  size = 0;

  constructor(private readonly horizonSteps: number) {
    this.slots = new Array(horizonSteps + 1);
  }

  add(currentStep: number, dueStep: number, item: T): void {
    const due = Math.max(dueStep, currentStep);
    if (due - currentStep > this.horizonSteps) {
      throw new Error(`due ${due - currentStep} steps ahead, beyond ${this.horizonSteps}`);
    }
    const index = due % this.slots.length;
    const slot = this.slots[index];
    if (slot) slot.push(item);
    else this.slots[index] = [item];
    this.size += 1;
  }

  /** Takes the items due at `step`; call it for every step in order. */
  take(step: number): T[] | undefined {
    const index = step % this.slots.length;
    const slot = this.slots[index];
    if (slot) {
      this.slots[index] = undefined;
      this.size -= slot.length;
    }
    return slot;
  }

  *items(): Generator<T> {
    for (const slot of this.slots) if (slot) yield* slot;
  }
}

/** A FIFO on a growing ring buffer. */
export class Deque<T> {
  private buffer: (T | undefined)[] = new Array(1024);
  private head = 0;
  length = 0;

  push(item: T): void {
    if (this.length === this.buffer.length) {
      const grown: (T | undefined)[] = new Array(this.buffer.length * 2);
      for (let i = 0; i < this.length; i++) {
        grown[i] = this.buffer[(this.head + i) % this.buffer.length];
      }
      this.buffer = grown;
      this.head = 0;
    }
    this.buffer[(this.head + this.length) % this.buffer.length] = item;
    this.length += 1;
  }

  peek(): T | undefined {
    return this.length === 0 ? undefined : this.buffer[this.head];
  }

  shift(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.buffer[this.head];
    this.buffer[this.head] = undefined;
    this.head = (this.head + 1) % this.buffer.length;
    this.length -= 1;
    return item;
  }

  *items(): Generator<T> {
    for (let i = 0; i < this.length; i++) {
      yield this.buffer[(this.head + i) % this.buffer.length] as T;
    }
  }
}

/** Lets every runnable task run until it waits on simulated time again. */
export const drainMicrotasks = (): Promise<void> =>
  new Promise<void>((resolve) => setImmediate(resolve));

export class SimClock {
  step = 0;
  now: number;
  /** `now` as a function, for `deps.now` and the adapters' caches. */
  readonly nowFn = (): number => this.now;
  private readonly timers: TimeWheel<() => void>;

  constructor(
    readonly startMs: number,
    readonly quantumMs: number,
    maxSleepMs = 60_000,
  ) {
    this.now = startMs;
    this.timers = new TimeWheel(Math.ceil(maxSleepMs / quantumMs) + 1);
  }

  /** Steps from now until `ms` have passed (at least one). */
  stepsFor(ms: number): number {
    return Math.max(1, Math.ceil(ms / this.quantumMs));
  }

  /** Resolves at the first step at least `ms` from now. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.timers.add(this.step, this.step + this.stepsFor(ms), resolve);
    });
  }

  /** Moves to the next step and wakes the tasks due at it; returns how many it woke. */
  advance(): number {
    this.step += 1;
    this.now = this.startMs + this.step * this.quantumMs;
    const due = this.timers.take(this.step);
    if (due) for (const wake of due) wake();
    return due?.length ?? 0;
  }

  get sleeping(): number {
    return this.timers.size;
  }
}
