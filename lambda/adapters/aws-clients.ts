/**
 * Where the SDK clients connect when not to AWS itself: local mode passes its stand-ins here.
 * In AWS nothing is given, and the SDK reads region, credentials and any `AWS_ENDPOINT_URL_*`
 * from the environment as usual.
 */
export interface ClientOptions {
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly endpoints?: {
    readonly dynamodb?: string;
    readonly sqs?: string;
    readonly eventBridge?: string;
    readonly kms?: string;
  };
}

/** Whatever holds the client options: one set of clients is made per holder. */
export interface ClientOwner {
  readonly aws: ClientOptions;
}

interface Destroyable {
  destroy(): void;
}

const made = new WeakMap<ClientOwner, Map<string, Destroyable>>();

/**
 * The owner's client of one service, made on first use and then reused: one client per service
 * and process in a function. Each service has its own module (`clients/*.ts`) so that a
 * function's bundle holds only the SDK clients it uses.
 */
export function clientOf<T extends Destroyable>(
  owner: ClientOwner,
  service: string,
  build: (base: { region?: string; credentials?: ClientOptions['credentials'] }) => T,
): T {
  let clients = made.get(owner);
  if (!clients) {
    clients = new Map();
    made.set(owner, clients);
  }
  let client = clients.get(service) as T | undefined;
  if (!client) {
    const { region, credentials } = owner.aws;
    client = build({
      ...(region !== undefined && { region }),
      ...(credentials !== undefined && { credentials }),
    });
    clients.set(service, client);
  }
  return client;
}

/** Closes every client made for the owner (local mode's stop, tests' teardown). */
export function destroyClients(owner: ClientOwner): void {
  for (const client of made.get(owner)?.values() ?? []) client.destroy();
  made.delete(owner);
}
