import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { defaultSettings, type HooklineSettings } from '#shared/settings';
import { destroyClients } from '../../lambda/adapters/aws-clients';
import { sqsClient } from '../../lambda/adapters/clients/sqs';
import type { DeliveryMessage } from '../../lambda/domain/ports';
import type { RuntimeConfig } from '../../lambda/wiring/config';
import { localRuntimeConfig } from '../../lib/local/runtime';
import { startStandIns } from '../../lib/local/stand-ins';

export interface StandInConfig {
  /** What the handlers' wiring builds their adapters from, pointing at the stand-ins. */
  readonly config: RuntimeConfig;
  /** Deliveries waiting in the delivery queue, received (and hidden) once each. */
  receiveDeliveries(): Promise<DeliveryMessage[]>;
  stop(): Promise<void>;
}

/**
 * dynalite and fauxqs in this process with Hookline's tables and queues, and the runtime
 * config local mode would hand the handler factories: tests build handlers exactly as
 * `npm start` and the Lambda entry points do, minus the HTTP server.
 */
export async function startStandInConfig(
  settings: Partial<HooklineSettings> = {},
): Promise<StandInConfig> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hookline-handlers-'));
  const resolved = { ...defaultSettings, ...settings };
  const standIns = await startStandIns(dataDir, resolved);
  // Nothing listens there: operational events are the dispatcher's, tested elsewhere.
  const config = localRuntimeConfig(standIns, resolved, 'http://127.0.0.1:9');
  return {
    config,
    async receiveDeliveries() {
      const received = await sqsClient(config).send(
        new ReceiveMessageCommand({
          QueueUrl: config.queueUrl('delivery'),
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 60,
        }),
      );
      return (received.Messages ?? []).map((m) => JSON.parse(m.Body ?? '') as DeliveryMessage);
    },
    async stop() {
      destroyClients(config);
      await standIns.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
