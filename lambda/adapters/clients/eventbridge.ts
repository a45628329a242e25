import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type ClientOwner, clientOf } from '../aws-clients';

/** The owner's EventBridge client; only the dispatcher puts events on the bus. */
export const eventBridgeClient = (owner: ClientOwner): EventBridgeClient =>
  clientOf(owner, 'eventbridge', (base) => {
    const endpoint = owner.aws.endpoints?.eventBridge;
    return new EventBridgeClient({ ...base, ...(endpoint !== undefined && { endpoint }) });
  });
