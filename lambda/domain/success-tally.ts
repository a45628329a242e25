import type { CircuitSettings } from './endpoint-health';
import type { EndpointHealthRepository } from './ports';

/**
 * The endpoint health store as one batch sees it. Successes are added up per endpoint and
 * written at most once per batch, not once per delivery: after a single failure every
 * success of the window counts, and one write each would cost more than the deliveries.
 * A failure carries the batch's successes so far with it, so a burst of first failures
 * never finds a window that knows only failures and opens the circuit on 10 % failing.
 * Successes are written at the end only for endpoints known to have failures (the domain
 * asked to count one, or a failure came in this batch): a healthy endpoint costs nothing.
 * Everything else, closing a circuit included, goes straight through.
 */
export class SuccessTally implements EndpointHealthRepository {
  /** Successes seen and not yet written, per endpoint. */
  private readonly pending = new Map<string, { count: number; at: number }>();
  private readonly failing = new Set<string>();

  constructor(private readonly health: EndpointHealthRepository) {}

  /** A delivery of the batch succeeded (whether or not the domain asks to count it). */
  delivered(endpointId: string, now: number): void {
    const tally = this.pending.get(endpointId);
    this.pending.set(endpointId, { count: (tally?.count ?? 0) + 1, at: now });
  }

  circuit(endpointId: string) {
    return this.health.circuit(endpointId);
  }

  recordFailure(endpointId: string, now: number, settings: CircuitSettings, timedOut: boolean) {
    const successes = this.pending.get(endpointId)?.count ?? 0;
    this.pending.delete(endpointId);
    this.failing.add(endpointId);
    return this.health.recordFailure(endpointId, now, settings, timedOut, successes);
  }

  async recordSuccess(endpointId: string, now: number, close: boolean) {
    if (close) return this.health.recordSuccess(endpointId, now, true);
    // Counted with the batch's other successes, by {@link delivered}.
    this.failing.add(endpointId);
  }

  acquireProbe(endpointId: string, now: number, leaseMs: number, maxProbes: number) {
    return this.health.acquireProbe(endpointId, now, leaseMs, maxProbes);
  }

  acquireRate(endpointId: string, limitPerSecond: number, now: number) {
    return this.health.acquireRate(endpointId, limitPerSecond, now);
  }

  markSlow(endpointId: string, until: number) {
    return this.health.markSlow(endpointId, until);
  }

  clearSlow(endpointId: string) {
    return this.health.clearSlow(endpointId);
  }

  /** Writes the successes of endpoints with failures: one update per endpoint. */
  async flush(): Promise<void> {
    const tallies = [...this.pending].filter(([endpointId]) => this.failing.has(endpointId));
    this.pending.clear();
    this.failing.clear();
    await Promise.all(
      tallies.map(([endpointId, { count, at }]) =>
        this.health.recordSuccess(endpointId, at, false, count),
      ),
    );
  }
}
