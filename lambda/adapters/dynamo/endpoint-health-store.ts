import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
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
    const state = result.Item
      ? ({ consecutiveFailures: 0, ...result.Item } as CircuitState)
      : undefined;
    this.remember(endpointId, state);
    return state;
  }

  async recordFailure(
    endpointId: string,
    now: number,
    settings: CircuitSettings,
  ): Promise<CircuitState> {
    const counted = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { endpointId, key: CIRCUIT_KEY },
        UpdateExpression:
          // A failed attempt also ends any probe, so the next probe need not wait out its lease.
          'ADD consecutiveFailures :one SET failingSince = if_not_exists(failingSince, :now), lastFailureAt = :now REMOVE probeUntil',
        ExpressionAttributeValues: { ':one': 1, ':now': now },
        ReturnValues: 'ALL_NEW',
      }),
    );
    let state = counted.Attributes as CircuitState;
    if (shouldOpen(state, settings, now)) {
      const opened = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { endpointId, key: CIRCUIT_KEY },
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

  async recordSuccess(endpointId: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { endpointId, key: CIRCUIT_KEY },
        UpdateExpression:
          'SET consecutiveFailures = :zero REMOVE openUntil, opens, failingSince, probeUntil',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
    this.remember(endpointId, { consecutiveFailures: 0 });
  }

  async acquireProbe(endpointId: string, now: number, leaseMs: number): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { endpointId, key: CIRCUIT_KEY },
          UpdateExpression: 'SET probeUntil = :until',
          ConditionExpression: 'attribute_not_exists(probeUntil) OR probeUntil < :now',
          ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
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
