export type { WebhookReceiverAlarms } from './alarms.js';
export {
  WebhookReceiver,
  type WebhookReceiverProps,
  webhookReceiverEnv,
} from './webhook-receiver.js';
