import middy from '@middy/core';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEventV2, Context, EventBridgeEvent } from 'aws-lambda';
import { logger } from '../adapters/logger';
import type { KeyLookup } from '../domain/ports';
import type { PublishDependencies } from '../domain/publish';
import { isPlainObject } from '../domain/validation';
import { ingestFromEventBridge, type Publisher, publishBatch, publishOne } from '../http/ingest';
import { problemDetails, requireApiKey } from '../http/middlewares';
import type { HttpResult } from '../http/response';
import { configFromEnvironment } from '../wiring/environment';
import { ingestDependencies } from '../wiring/ingest';
import { lazyHandler } from '../wiring/lazy-handler';

export interface IngestDependencies {
  readonly publish: PublishDependencies;
  readonly keys: KeyLookup;
  /** Counts newly accepted events by type (`EventsPublished`). */
  readonly recordPublished: (types: readonly string[]) => void;
}

const isEventBridgeEvent = (event: unknown): event is EventBridgeEvent<string, unknown> =>
  isPlainObject(event) && typeof event['detail-type'] === 'string';

/**
 * Publishes events from two sources: `POST /v1/events` and `/v1/events/batch` through API
 * Gateway, and entries of the `hookline` bus through the EventBridge rule.
 */
export function createIngestHandler(deps: IngestDependencies) {
  const publisher: Publisher = { deps: deps.publish, recordPublished: deps.recordPublished };
  const http = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
    .use(problemDetails())
    .use(requireApiKey(deps.keys, ['publish', 'admin']))
    .handler(
      httpRouterHandler([
        {
          method: 'POST',
          path: '/v1/events',
          handler: (event: APIGatewayProxyEventV2) => publishOne(publisher, event),
        },
        {
          method: 'POST',
          path: '/v1/events/batch',
          handler: (event: APIGatewayProxyEventV2) => publishBatch(publisher, event),
        },
      ]) as never,
    );

  return async (
    event: APIGatewayProxyEventV2 | EventBridgeEvent<string, unknown>,
    context: Context,
  ) => {
    if (!isEventBridgeEvent(event)) return http(event, context);
    try {
      const outcome = await ingestFromEventBridge(publisher, event);
      logger.info('published from EventBridge', {
        eventId: outcome.id,
        type: outcome.type,
        duplicate: outcome.duplicate,
      });
      return outcome;
    } catch (error) {
      // Rethrown so the entry ends in the ingest DLQ after Lambda's retries, never dropped.
      logger.error('EventBridge entry not published', {
        entryId: event.id,
        detailType: event['detail-type'],
        error: error as Error,
      });
      throw error;
    }
  };
}

export const handler = lazyHandler(() =>
  createIngestHandler(ingestDependencies(configFromEnvironment())),
);
