/**
 * Endpoint health (the circuit, its probes and the slow-lane mark) in DynamoDB, on dynalite and
 * DynamoDB Local, and the in-memory adapter the bench and simulation use: both must decide alike.
 */
import { describe, expect, it } from 'vitest';
import { DynamoEndpointHealth } from '../../../lambda/adapters/dynamo/endpoint-health-store';
import { MemoryHealth } from '../../../lambda/adapters/memory/stores';
import {
  CIRCUIT_WINDOW_MS,
  type CircuitSettings,
  HALF_OPEN_PROBES,
} from '../../../lambda/domain/endpoint-health';
import { newEndpointId } from '../../../lambda/domain/ids';
import type { EndpointHealthRepository } from '../../../lambda/domain/ports';
import { describeOnBothStandIns } from '../../support/storage';

const SETTINGS: CircuitSettings = {
  threshold: 5,
  failureRatePercent: 50,
  cooldownMs: 30_000,
  maxCooldownMs: 60_000,
};

function healthContract(name: string, make: () => EndpointHealthRepository) {
  describe(name, () => {
    const T = 1_800_000_000_000;

    it('stays closed below the minimum volume, and below the failure rate', async () => {
      // Prepare
      const health = make();
      const endpointId = newEndpointId();

      // Act: 4 failures (below the volume), then 6 successes and a 5th failure (5 of 11)
      for (let i = 0; i < 4; i++) await health.recordFailure(endpointId, T + i, SETTINGS, false);
      for (let i = 0; i < 6; i++) await health.recordSuccess(endpointId, T + 10 + i, false);
      const state = await health.recordFailure(endpointId, T + 20, SETTINGS, false);

      // Assess
      expect(state.openUntil).toBeUndefined();
      expect(state).toMatchObject({ windowFailures: 5, windowSuccesses: 6 });
    });

    it('opens on a sustained failure rate, for a cool-down capped by the shortest retry delay', async () => {
      const health = make();
      const endpointId = newEndpointId();
      let state = await health.recordFailure(endpointId, T, SETTINGS, false);
      for (let i = 1; i < 5; i++)
        state = await health.recordFailure(endpointId, T + i, SETTINGS, false);
      expect(state).toMatchObject({ openUntil: T + 4 + 30_000, opens: 1 });
      // A failed probe re-opens with a doubled cool-down, but never beyond 60 s here.
      state = await health.recordFailure(endpointId, T + 40_000, SETTINGS, false);
      expect(state).toMatchObject({ openUntil: T + 40_000 + 60_000, opens: 2 });
    });

    it('opens on timeouts whatever the rate', async () => {
      const health = make();
      const endpointId = newEndpointId();
      for (let i = 0; i < 20; i++) await health.recordSuccess(endpointId, T + i, false);
      await health.recordFailure(endpointId, T + 30, SETTINGS, false);
      for (let i = 0; i < 20; i++) await health.recordSuccess(endpointId, T + 40 + i, false);
      let state = await health.recordFailure(endpointId, T + 70, SETTINGS, true);
      for (let i = 1; i < 5; i++)
        state = await health.recordFailure(endpointId, T + 70 + i, SETTINGS, true);
      expect(state.openUntil).toBe(T + 74 + 30_000);
    });

    it('forgets failures of an old window', async () => {
      const health = make();
      const endpointId = newEndpointId();
      for (let i = 0; i < 4; i++) await health.recordFailure(endpointId, T + i, SETTINGS, false);
      const state = await health.recordFailure(
        endpointId,
        T + CIRCUIT_WINDOW_MS + 10,
        SETTINGS,
        false,
      );
      expect(state).toMatchObject({ windowFailures: 1, windowStart: T + CIRCUIT_WINDOW_MS + 10 });
      expect(state.openUntil).toBeUndefined();
    });

    it(`lets ${HALF_OPEN_PROBES} probes through a half-open circuit, and a new round once their lease ends`, async () => {
      const health = make();
      const endpointId = newEndpointId();
      const taken = [];
      for (let i = 0; i < HALF_OPEN_PROBES + 1; i++) {
        taken.push(await health.acquireProbe(endpointId, T, 5000, HALF_OPEN_PROBES));
      }
      expect(taken).toEqual([...Array(HALF_OPEN_PROBES).fill(true), false]);
      expect(await health.acquireProbe(endpointId, T + 6000, 5000, HALF_OPEN_PROBES)).toBe(true);
    });

    it('closes the circuit on a successful probe, forgetting the streak', async () => {
      const health = make();
      const endpointId = newEndpointId();
      for (let i = 0; i < 5; i++) await health.recordFailure(endpointId, T + i, SETTINGS, false);
      await health.recordSuccess(endpointId, T + 31_000, true);
      const state = await health.circuit(endpointId);
      expect(state?.openUntil).toBeUndefined();
      expect(state?.failingSince).toBeUndefined();
      expect(state?.windowFailures ?? 0).toBe(0);
    });

    it('marks an endpoint for the slow lane and clears the mark', async () => {
      const health = make();
      const endpointId = newEndpointId();
      await health.markSlow(endpointId, T + 300_000);
      expect((await health.circuit(endpointId))?.slowUntil).toBe(T + 300_000);
      await health.clearSlow(endpointId);
      expect((await health.circuit(endpointId))?.slowUntil).toBeUndefined();
    });
  });
}

healthContract('MemoryHealth', () => new MemoryHealth());

describeOnBothStandIns('endpoint-health-store', (db) => {
  // A cache clock at infinity keeps every cached read expired: each read goes to the table.
  healthContract(
    'DynamoEndpointHealth',
    () =>
      new DynamoEndpointHealth(
        db.documentClient,
        db.tableNames.endpointState,
        () => Number.POSITIVE_INFINITY,
      ),
  );
});
