import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type OperationalDetailType, operationalEvents } from '#shared/bus';
import type { OperationalEvents } from '../../domain/ports';
import { logger } from '../logger';

/** Puts Hookline's own events on its bus, where operators route them with rules. */
export class OperationalEventPublisher implements OperationalEvents {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(detailType: OperationalDetailType, detail: Record<string, unknown>): Promise<void> {
    try {
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: this.busName,
              Source: operationalEvents.source,
              DetailType: detailType,
              Detail: JSON.stringify(detail),
            },
          ],
        }),
      );
      if (result.FailedEntryCount) {
        logger.error('operational event refused by the bus', {
          detailType,
          errorCode: result.Entries?.[0]?.ErrorCode,
        });
      }
    } catch (error) {
      logger.error('operational event not published', { detailType, error: error as Error });
    }
  }
}
