import { describe, expect, it } from 'vitest';
import { MemoryHealth } from '../../lambda/adapters/memory/stores';
import type { CircuitSettings } from '../../lambda/domain/endpoint-health';
import { SuccessTally } from '../../lambda/domain/success-tally';

const settings: CircuitSettings = {
  threshold: 5,
  failureRatePercent: 90,
  cooldownMs: 30_000,
  maxCooldownMs: 960_000,
};
const now = Date.parse('2026-11-28T06:00:00Z');

/** The health store, counting the writes a batch makes to it. */
function countingHealth() {
  const health = new MemoryHealth();
  const writes: string[] = [];
  const recordSuccess = health.recordSuccess.bind(health);
  const recordFailure = health.recordFailure.bind(health);
  health.recordSuccess = async (...args) => {
    writes.push('success');
    return recordSuccess(...args);
  };
  health.recordFailure = async (...args) => {
    writes.push('failure');
    return recordFailure(...args);
  };
  return { health, writes };
}

describe('a batch counts endpoint successes once, and only where failures are known', () => {
  it('writes nothing for a batch of successes to a healthy endpoint', async () => {
    // Prepare
    const { health, writes } = countingHealth();
    const tally = new SuccessTally(health);

    // Act
    for (let i = 0; i < 10; i++) tally.delivered('ep_healthy', now);
    await tally.flush();

    // Assess
    expect(writes).toEqual([]);
  });

  it('a burst of first failures carries the successes before it: 10 % failing keeps the circuit closed', async () => {
    // Prepare
    const { health } = countingHealth();
    const tally = new SuccessTally(health);

    // Act: 100 deliveries, every tenth failing, as in one busy batch.
    let state: Awaited<ReturnType<MemoryHealth['recordFailure']>> | undefined;
    for (let i = 1; i <= 100; i++) {
      if (i % 10 === 0) state = await tally.recordFailure('ep_flaky', now, settings, false);
      else tally.delivered('ep_flaky', now);
    }
    await tally.flush();

    // Assess
    expect(state?.openUntil).toBeUndefined();
    expect(state?.windowFailures).toBe(10);
    expect((await health.circuit('ep_flaky'))?.windowSuccesses).toBe(90);
  });

  it('writes the successes after a known failure in one update per endpoint', async () => {
    // Prepare
    const { health, writes } = countingHealth();
    const tally = new SuccessTally(health);
    await health.recordFailure('ep_recovering', now, settings, false);
    writes.length = 0;

    // Act: the domain asks to count each success (the window has failures).
    for (let i = 0; i < 10; i++) {
      await tally.recordSuccess('ep_recovering', now, false);
      tally.delivered('ep_recovering', now);
    }
    await tally.flush();

    // Assess
    expect(writes).toEqual(['success']);
    expect((await health.circuit('ep_recovering'))?.windowSuccesses).toBe(10);
  });
});
