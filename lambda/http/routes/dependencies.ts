import type { DynamoAttemptLog } from '../../adapters/dynamo/attempt-log';
import type { DynamoDeliveryStateRepository } from '../../adapters/dynamo/delivery-state-store';
import type { DynamoEndpointRepository } from '../../adapters/dynamo/endpoint-store';
import type { DynamoEventRepository } from '../../adapters/dynamo/event-store';
import type { ResolveHost } from '../../domain/endpoint';
import type { FeedStore } from '../../domain/feed';
import type { JobDependencies } from '../../domain/jobs';
import type {
  EndpointHealthRepository,
  IdempotencyRepository,
  KeyLookup,
} from '../../domain/ports';
import type { PublishDependencies } from '../../domain/publish';
import type { CursorSigner } from '../cursors';

/** What the operator API (the management function) reads and changes. */
export interface ManagementDependencies {
  readonly keys: KeyLookup;
  readonly endpoints: Pick<
    DynamoEndpointRepository,
    'create' | 'get' | 'page' | 'replace' | 'delete' | 'listByTenant'
  >;
  readonly events: Pick<DynamoEventRepository, 'findGenerated' | 'getIncludingLegacy' | 'list'>;
  readonly deliveries: Pick<
    DynamoDeliveryStateRepository,
    'forEvent' | 'deadLetters' | 'deadLetteredSince'
  >;
  readonly attempts: Pick<DynamoAttemptLog, 'list' | 'since' | 'deliveredAt'>;
  /** Each endpoint's circuit, as the dispatchers share it; read for the stats. */
  readonly health: Pick<EndpointHealthRepository, 'circuit'>;
  /** Polling endpoints' feeds, read by their consumers. */
  readonly feeds: Pick<FeedStore, 'read' | 'appended'>;
  /** Messages in the delivery DLQ, whatever put them there. */
  readonly deadLetterDepth: () => Promise<number>;
  /** Replay and redrive jobs: started here, run by the replay function. */
  readonly jobs: Pick<JobDependencies, 'jobs' | 'jobQueue' | 'now'>;
  /** Jobs started with an `Idempotency-Key` are started once. */
  readonly idempotency: IdempotencyRepository;
  /** Test deliveries are published like events, to one endpoint. */
  readonly publish: PublishDependencies;
  /** Outside local mode, endpoint hosts must resolve to public addresses. */
  readonly resolveHost: ResolveHost;
  readonly settings: {
    readonly allowPrivateTargets: boolean;
    readonly secretRotationGraceHours: number;
    readonly endpointPorts: readonly string[];
  };
  /** Signs and checks pagination cursors. */
  readonly cursors: CursorSigner;
  readonly now: () => number;
}
