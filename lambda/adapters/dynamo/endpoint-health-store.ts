import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  CIRCUIT_WINDOW_MS,
  type CircuitSettings,
  type CircuitState,
  cooldownMs,
  shouldOpen,
} from '../../domain/endpoint-health';
import type { EndpointHealthRepository } from '../../domain/ports';
import { isConditionFailure } from './condition';

const CIRCUIT_KEY = 'circuit';
/** How long a dispatcher trusts its last read of an endpoint's circuit. */
const CIRCUIT_CACHE_MS = 1000;

/**
 * Circuit state and per-second rate windows in DynamoDB, so every dispatcher instance sees
 * the same endpoint health. Healthy endpoints cost one cached read a second and no writes.
 */
export class DynamoEndpointHealth implements EndpointHealthRepository {
  private readonly cache = new Map<string, { state: CircuitState | undefined; until: number }>();
  private readonly reads = new Map<string, Promise<CircuitState | undefined>>();

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => number = Date.now,
  ) {}

  private remember(endpointId: string, state: CircuitState | undefined): void {
    this.cache.set(endpointId, { state, until: this.now() + CIRCUIT_CACHE_MS });
  }

  async circuit(endpointId: string): Promise<CircuitState | undefined> {
    const hit = this.cache.get(endpointId);
    if (hit && hit.until > this.now()) return hit.state;
    // Concurrent deliveries to one endpoint share a single read when the cache runs out.
    let pending = this.reads.get(endpointId);
    if (!pending) {
      pending = this.readCircuit(endpointId).finally(() => this.reads.delete(endpointId));
      this.reads.set(endpointId, pending);
    }
    return pending;
  }

  private async readCircuit(endpointId: string): Promise<CircuitState | undefined> {
    const result = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { endpointId, key: CIRCUIT_KEY } }),
    );
    const state = result.Item as CircuitState | undefined;
    this.remember(endpointId, state);
    return state;
  }

  async recordFailure(
    endpointId: string,
    now: number,
    settings: CircuitSettings,
    timedOut: boolean,
    successesBefore = 0,
  ): Promise<CircuitState> {
    const key = { endpointId, key: CIRCUIT_KEY };
    const values = {
      ':one': 1,
      ':now': now,
      ':timeout': timedOut ? 1 : 0,
      ':successes': successesBefore,
    };
    // A failure also ends any probe, so the next probe need not wait out its lease.
    const streak =
      'failingSince = if_not_exists(failingSince, :now), lastFailureAt = :now REMOVE probeUntil, probes';
    let state: CircuitState;
    try {
      const counted = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `ADD windowFailures :one, windowTimeouts :timeout, windowSuccesses :successes SET ${streak}`,
          ConditionExpression: 'windowStart > :cutoff',
          ExpressionAttributeValues: { ...values, ':cutoff': now - CIRCUIT_WINDOW_MS },
          ReturnValues: 'ALL_NEW',
        }),
      );
      state = counted.Attributes as CircuitState;
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      // No window, or an old one: this failure starts a new one.
      const started = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET windowStart = :now, windowFailures = :one, windowSuccesses = :successes, windowTimeouts = :timeout, ${streak}`,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      state = started.Attributes as CircuitState;
    }
    if (shouldOpen(state, settings, now)) {
      const opened = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET openUntil = :until ADD opens :one',
          ExpressionAttributeValues: {
            ':until': now + cooldownMs(state.opens ?? 0, settings),
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      state = opened.Attributes as CircuitState;
    }
    this.remember(endpointId, state);
    return state;
  }

  async recordSuccess(endpointId: string, now: number, close: boolean, count = 1): Promise<void> {
    const key = { endpointId, key: CIRCUIT_KEY };
    if (close) {
      // A closed circuit starts counting afresh: the failures before it opened are history.
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression:
            'REMOVE openUntil, opens, failingSince, probeUntil, probes, windowStart, windowFailures, windowSuccesses, windowTimeouts',
        }),
      );
      const { slowUntil } = this.cache.get(endpointId)?.state ?? {};
      this.remember(endpointId, slowUntil === undefined ? {} : { slowUntil });
      return;
    }
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'ADD windowSuccesses :one REMOVE failingSince',
          ConditionExpression: 'windowStart > :cutoff',
          ExpressionAttributeValues: { ':one': count, ':cutoff': now - CIRCUIT_WINDOW_MS },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'REMOVE failingSince',
        }),
      );
    }
    this.cache.delete(endpointId);
  }

  async acquireProbe(
    endpointId: string,
    now: number,
    leaseMs: number,
    maxProbes: number,
  ): Promise<boolean> {
    const key = { endpointId, key: CIRCUIT_KEY };
    const attempts = [
      // The last probes' lease ran out (or there were none): this one starts a new round.
      {
        UpdateExpression: 'SET probeUntil = :until, probes = :one',
        ConditionExpression: 'attribute_not_exists(probeUntil) OR probeUntil < :now',
        ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now, ':one': 1 },
      },
      {
        UpdateExpression: 'ADD probes :one',
        ConditionExpression: 'probeUntil >= :now AND probes < :max',
        ExpressionAttributeValues: { ':now': now, ':one': 1, ':max': maxProbes },
      },
    ];
    for (const update of attempts) {
      try {
        await this.client.send(
          new UpdateCommand({ TableName: this.tableName, Key: key, ...update }),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return false;
  }

  async markSlow(endpointId: string, until: number): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { endpointId, key: CIRCUIT_KEY },
        UpdateExpression: 'SET slowUntil = :until',
        ExpressionAttributeValues: { ':until': until },
      }),
    );
    this.cache.delete(endpointId);
  }

  async clearSlow(endpointId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { endpointId, key: CIRCUIT_KEY },
        UpdateExpression: 'REMOVE slowUntil',
      }),
    );
    this.cache.delete(endpointId);
  }

  async acquireRate(endpointId: string, limitPerSecond: number, now: number): Promise<boolean> {
    const second = Math.floor(now / 1000);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { endpointId, key: `rate#${second}` },
          UpdateExpression: 'ADD used :one SET expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(used) OR used < :limit',
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': limitPerSecond,
            ':expires': second + 120,
          },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}
