import { ENDPOINT_SECRETS_CONTEXT } from '#shared/functions';
import { dynamoClient } from '../adapters/clients/dynamodb';
import { kmsClient } from '../adapters/clients/kms';
import { Envelope, LocalDataKeys } from '../adapters/crypto/envelope';
import { KmsDataKeys } from '../adapters/crypto/kms-data-keys';
import { DynamoEndpointRepository } from '../adapters/dynamo/endpoint-store';
import { ConfigurationError } from '../domain/errors';
import type { RuntimeConfig } from './config';
import { localKey } from './local-keys';

const envelopes = new WeakMap<RuntimeConfig, Envelope>();

/** One envelope per config, so its cached data keys serve every request of the process. */
export function secretsEnvelope(config: RuntimeConfig): Envelope {
  let envelope = envelopes.get(config);
  if (!envelope) {
    const keys = config.localMasterKey
      ? new LocalDataKeys(localKey(config.localMasterKey, 'endpoint-secrets'))
      : new KmsDataKeys(kmsClient(config), requiredKeyArn(config), ENDPOINT_SECRETS_CONTEXT);
    envelope = new Envelope(keys);
    envelopes.set(config, envelope);
  }
  return envelope;
}

function requiredKeyArn(config: RuntimeConfig): string {
  if (!config.endpointSecretsKeyArn) {
    throw new ConfigurationError('this function was not given the endpoint secrets key');
  }
  return config.endpointSecretsKeyArn;
}

/** Endpoints with their signing secrets: for the functions that sign or show secrets only. */
export const endpointRepositoryWithSecrets = (config: RuntimeConfig) =>
  new DynamoEndpointRepository(
    dynamoClient(config),
    config.tableName('endpoints'),
    secretsEnvelope(config),
  );
