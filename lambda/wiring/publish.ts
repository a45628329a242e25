/*
 * What publishing needs, apart from the other repositories: a function that only reads keys
 * (the authorizer, the keys function) never bundles the feed writer's logger and metrics.
 */
import { logger } from '../adapters/logger';
import { BatchDeliveryObserver } from '../adapters/observability/delivery-observer';
import { type FeedWriter, RecordedFeedWriter } from '../domain/feed';
import type { OperationalEvents } from '../domain/ports';
import type { PublishDependencies } from '../domain/publish';
import type { RuntimeConfig } from './config';
import {
  attemptLog,
  deliveryQueue,
  endpointRepository,
  eventRepository,
  feedStore,
  idempotencyRepository,
} from './repositories';

/** Appending to a feed raises no operational event: only its metrics are written. */
const noOperationalEvents: OperationalEvents = { publish: async () => {} };

/** Polling endpoints' deliveries, recorded like push successes (attempt log, metrics). */
export const feedWriter = (config: RuntimeConfig): FeedWriter =>
  new RecordedFeedWriter({
    feeds: feedStore(config),
    attemptLog: attemptLog(config),
    newObserver: () => new BatchDeliveryObserver(noOperationalEvents),
    now: Date.now,
    onLogFailure: (error) =>
      logger.error('attempt log not written for feed deliveries', { error: error as Error }),
  });

/** What publishing needs: endpoints to fan out to, the event log, idempotency, queue, feeds. */
export const publishDependencies = (config: RuntimeConfig): PublishDependencies => ({
  endpoints: endpointRepository(config),
  events: eventRepository(config),
  idempotency: idempotencyRepository(config),
  queue: deliveryQueue(config),
  feeds: feedWriter(config),
  now: Date.now,
});
