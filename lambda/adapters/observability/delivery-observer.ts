import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type OperationalDetailType, operationalEvents } from '#shared/bus';
import { metricNames } from '#shared/metrics';
import type { Endpoint } from '../../domain/endpoint';
import type {
  BatchObserver,
  DeadLetterReason,
  DeliveryMessage,
  OperationalEvents,
} from '../../domain/ports';
import { logger } from '../logger';
import { metricsNamespace, writeEmf } from './emf';

const newMetrics = () =>
  new Metrics({ namespace: metricsNamespace(), serviceName: metricNames.service });

/**
 * Collects one dispatcher invocation's metrics and writes them as EMF when flushed: one line
 * per endpoint with {service, EndpointId}, and one with {service} for overall latency.
 * Made per invocation: it holds the batch's figures.
 */
export class BatchDeliveryObserver implements BatchObserver {
  private readonly attempts = new Map<string, { ok: boolean; latencyMs: number }[]>();
  private readonly deadLetters = new Map<string, number>();

  constructor(private readonly events: OperationalEvents) {}

  attempted(endpointId: string, outcome: { ok: boolean; latencyMs: number }): void {
    const list = this.attempts.get(endpointId) ?? [];
    list.push(outcome);
    this.attempts.set(endpointId, list);
    if (!outcome.ok) {
      logger.info('delivery attempt failed', { endpointId, latencyMs: outcome.latencyMs });
    }
  }

  async deadLettered(message: DeliveryMessage, reason: DeadLetterReason): Promise<void> {
    this.deadLetters.set(message.endpointId, (this.deadLetters.get(message.endpointId) ?? 0) + 1);
    logger.warn('delivery dead-lettered', {
      eventId: message.eventId,
      endpointId: message.endpointId,
      reason: reason.reason,
      attempts: reason.attempts,
    });
    await this.events.publish(operationalEvents.deadLettered, {
      eventId: message.eventId,
      eventType: message.type,
      endpointId: message.endpointId,
      tenant: message.tenant,
      ...reason,
    });
  }

  async endpointDisabled(
    endpoint: Pick<Endpoint, 'id' | 'tenant' | 'url'>,
    detail: Record<string, unknown>,
  ): Promise<void> {
    logger.warn('endpoint disabled', { endpointId: endpoint.id, ...detail });
    await this.endpointEvent(operationalEvents.endpointDisabled, endpoint, detail);
  }

  async endpointRecovered(
    endpoint: Pick<Endpoint, 'id' | 'tenant' | 'url'>,
    detail: Record<string, unknown>,
  ): Promise<void> {
    logger.info('endpoint recovered', { endpointId: endpoint.id });
    await this.endpointEvent(operationalEvents.endpointRecovered, endpoint, detail);
  }

  private endpointEvent(
    detailType: OperationalDetailType,
    endpoint: Pick<Endpoint, 'id' | 'tenant' | 'url'>,
    detail: Record<string, unknown>,
  ): Promise<void> {
    return this.events.publish(detailType, {
      endpointId: endpoint.id,
      tenant: endpoint.tenant,
      url: endpoint.url,
      ...detail,
    });
  }

  /**
   * Writes the batch's metrics, the lines Powertools wrote before (one per endpoint, one for
   * overall latency, a value per attempt); nothing for a batch that made no attempt.
   */
  flush(): void {
    const endpointIds = new Set([...this.attempts.keys(), ...this.deadLetters.keys()]);
    const overall: number[] = [];
    for (const endpointId of endpointIds) {
      const attempts = this.attempts.get(endpointId) ?? [];
      const latency = attempts.map((a) => a.latencyMs);
      overall.push(...latency);
      const dead = this.deadLetters.get(endpointId);
      writeEmf({ [metricNames.endpointDimension]: endpointId }, [
        { name: metricNames.attempts, unit: MetricUnit.Count, values: attempts.map(() => 1) },
        {
          name: metricNames.failures,
          unit: MetricUnit.Count,
          values: attempts.map((a) => (a.ok ? 0 : 1)),
        },
        {
          name: metricNames.successes,
          unit: MetricUnit.Count,
          values: attempts.filter((a) => a.ok).map(() => 1),
        },
        { name: metricNames.latency, unit: MetricUnit.Milliseconds, values: latency },
        { name: metricNames.deadLettered, unit: MetricUnit.Count, values: dead ? [dead] : [] },
      ]);
    }
    if (overall.length > 0) {
      writeEmf({}, [{ name: metricNames.latency, unit: MetricUnit.Milliseconds, values: overall }]);
    }
  }
}

/** `EventsPublished` per event type, without the endpoint dimension. */
export function recordPublished(types: readonly string[]): void {
  const counts = new Map<string, number>();
  for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1);
  for (const [type, count] of counts) {
    const metrics = newMetrics();
    metrics.addDimension(metricNames.eventTypeDimension, type);
    metrics.addMetric(metricNames.eventsPublished, MetricUnit.Count, count);
    metrics.publishStoredMetrics();
  }
}
