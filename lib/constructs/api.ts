import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  type HttpRoute,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
  type ThrottleSettings,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { apiRoutes, type RouteDefinition } from '#shared/api';
import { functionEnv } from '#shared/functions';
import type { TableName } from '#shared/tables';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { grantOnQueue } from './queues';
import { grantEndpointSecrets, grantOnIndex, grantOnTable } from './storage';

export interface ApiProps {
  /** The tables from {@link Storage}; each function gets access to the ones it needs. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** Where accepted deliveries go. */
  readonly deliveryQueue: IQueue;
  /** Read and redriven by the management function. */
  readonly deadLetterQueue: IQueue;
  /** Where the management function enqueues the first page of a replay or redrive job. */
  readonly jobsQueue: IQueue;
  /** The key of {@link Storage} that seals endpoint secrets, which management creates and shows. */
  readonly endpointSecretsKey: IKey;
  /**
   * Runs before every route whose `authorized` is true (see {@link ApiKeyAuth}); it is also
   * the API's default authorizer, so a route added outside `apiRoutes` is not left open.
   */
  readonly authorizer: IHttpRouteAuthorizer;
  /** @default - HooklineFunction defaults */
  readonly functionProps?: SharedFunctionProps;
  /**
   * Per-route limits of the default stage, well below the account-wide limit that every API
   * in the region shares, so a runaway publisher cannot starve the account's other APIs.
   * @default { rateLimit: 1000, burstLimit: 2000 }
   */
  readonly throttle?: ThrottleSettings;
  /** @default RetentionDays.ONE_MONTH */
  readonly accessLogRetentionDays?: RetentionDays;
  /** @default RemovalPolicy.RETAIN */
  readonly accessLogRemovalPolicy?: RemovalPolicy;
  /** What happens to the cursor signing secret when it leaves the stack. @default RETAIN */
  readonly secretRemovalPolicy?: RemovalPolicy;
}

/**
 * The public HTTP API (one route per entry of `apiRoutes`) and its three functions: ingest
 * (publishing), keys (the API keys, the only writer of the api-keys table) and management
 * (everything else). The API key authorizer runs before every route but the public ones
 * (GET /health); it passes the key's scope and tenant on, and the functions check that they
 * fit the route.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly ingestFunction: HooklineFunction;
  readonly managementFunction: HooklineFunction;
  /**
   * `POST/GET /v1/api-keys` and `DELETE /v1/api-keys/{id}`. A function of its own so that the
   * management role, which tenant-scoped keys reach, cannot write the api-keys table.
   */
  readonly keysFunction: HooklineFunction;
  /**
   * The HMAC key that signs pagination cursors, generated at deploy; management's only.
   * Secrets Manager's AWS-managed key encrypts it: only the management role may read it.
   */
  readonly cursorSecret: Secret;
  readonly accessLogGroup: LogGroup;
  private readonly routes = new Map<string, HttpRoute>();

  /** The API's base URL, ending in `/`. */
  get url(): string {
    return this.stage.url;
  }

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);

    this.ingestFunction = new HooklineFunction(this, 'Ingest', {
      ...props.functionProps,
      handlerName: 'ingest',
      description: 'Hookline: validates, stores and fans out published events',
    });
    this.grantIngest(props);

    this.cursorSecret = new Secret(this, 'CursorSecret', {
      description: 'Hookline: signs the pagination cursors of the API, generated at deploy',
      generateSecretString: { excludePunctuation: true, passwordLength: 64 },
      removalPolicy: props.secretRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.managementFunction = new HooklineFunction(this, 'Management', {
      ...props.functionProps,
      handlerName: 'management',
      description: 'Hookline: endpoints, event log, attempts, dead letters and replay',
      environment: {
        [functionEnv.endpointSecretsKeyArn]: props.endpointSecretsKey.keyArn,
        [functionEnv.cursorSecretArn]: this.cursorSecret.secretArn,
      },
    });
    this.grantManagement(props);

    this.keysFunction = new HooklineFunction(this, 'Keys', {
      ...props.functionProps,
      handlerName: 'keys',
      description: 'Hookline: creates, lists and revokes API keys',
    });
    // Keys are stored (PutItem), listed (Scan: the table is keyed by hash only), looked up
    // by hash and revoked (DeleteItem). Nothing else.
    grantOnTable(
      props.tables.apiKeys,
      this.keysFunction,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
      'dynamodb:Scan',
    );

    // The default stage is created here rather than by HttpApi so it can log and throttle.
    this.httpApi = new HttpApi(this, 'HttpApi', {
      apiName: Stack.of(this).stackName,
      description: 'Hookline webhook API',
      createDefaultStage: false,
      defaultAuthorizer: props.authorizer,
    });
    this.accessLogGroup = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetentionDays ?? RetentionDays.ONE_MONTH,
      removalPolicy: props.accessLogRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    this.stage = new HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 1000, burstLimit: 2000 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogGroup),
        format: accessLogFormat(),
      },
    });

    this.addRoutes(props.authorizer);
  }

  /**
   * Publishing (lambda/wiring/ingest.ts): the tenant's endpoints to fan out to, the event log
   * (each event a conditional PutItem; GetItem when an idempotent retry returns the stored
   * one), idempotency claims, the key lookup and the delivery queue. Never a Scan or a
   * delete of events, never an index.
   */
  private grantIngest({ tables, deliveryQueue }: ApiProps): void {
    const fn = this.ingestFunction;
    grantOnTable(tables.endpoints, fn, 'dynamodb:Query');
    grantOnTable(tables.events, fn, 'dynamodb:PutItem', 'dynamodb:GetItem');
    // Claim (conditional PutItem), read the first result, take over or release the lock.
    grantOnTable(
      tables.idempotency,
      fn,
      'dynamodb:PutItem',
      'dynamodb:GetItem',
      'dynamodb:UpdateItem',
    );
    grantOnTable(tables.apiKeys, fn, 'dynamodb:GetItem');
    grantOnQueue(deliveryQueue, fn, 'sqs:SendMessage');
    grantFeedAppends(tables, fn);
  }

  /**
   * The operator API (lambda/wiring/management.ts): endpoints, the event log, deliveries and
   * attempts, dead letters, jobs. It reads the api-keys table to check a key and never writes
   * it: that is the keys function's alone.
   */
  private grantManagement(props: ApiProps): void {
    const { tables, deliveryQueue, deadLetterQueue, jobsQueue } = props;
    const fn = this.managementFunction;
    grantOnTable(tables.apiKeys, fn, 'dynamodb:GetItem');
    // Endpoints: created and replaced (conditional PutItem), read by tenant and id, listed
    // per tenant, deleted; a bare id is resolved to its tenant on the byId index.
    grantOnTable(
      tables.endpoints,
      fn,
      'dynamodb:GetItem',
      'dynamodb:Query',
      'dynamodb:PutItem',
      'dynamodb:DeleteItem',
    );
    grantOnIndex(tables, 'endpoints', 'byId', fn, 'dynamodb:Query');
    // Events: read by id; a test delivery is stored like a published event (conditional
    // PutItem); GET /v1/events lists one tenant's events by time on the index.
    grantOnTable(tables.events, fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
    grantOnIndex(tables, 'events', 'byTenantTime', fn, 'dynamodb:Query');
    // An event's delivery records; GET /v1/dead-letters queries one endpoint's, or scans the
    // sparse index, which holds dead-lettered deliveries only.
    grantOnTable(tables.deliveries, fn, 'dynamodb:Query');
    grantOnIndex(tables, 'deliveries', 'deadLetters', fn, 'dynamodb:Query', 'dynamodb:Scan');
    // The attempt log is read here; written only for test deliveries to polling endpoints.
    grantOnTable(tables.attempts, fn, 'dynamodb:Query', 'dynamodb:BatchWriteItem');
    // Polling endpoints' feeds are read here (GET .../feed), and a test delivery appended.
    grantOnTable(
      tables.feeds,
      fn,
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'dynamodb:BatchWriteItem',
    );
    // GET .../stats shows each endpoint's circuit, which the dispatchers keep here.
    grantOnTable(tables.endpointState, fn, 'dynamodb:GetItem');
    // Jobs are started here (and read back); the replay function runs them.
    grantOnTable(tables.jobs, fn, 'dynamodb:GetItem', 'dynamodb:PutItem');
    // Replay and redrive honour an Idempotency-Key: claim it, or read the first claim.
    grantOnTable(tables.idempotency, fn, 'dynamodb:PutItem', 'dynamodb:GetItem');
    // POST /v1/endpoints/{id}/test sends one delivery.
    grantOnQueue(deliveryQueue, fn, 'sqs:SendMessage');
    // The dead-letter list reads the DLQ's depth; moving letters is the replay function's job.
    grantOnQueue(deadLetterQueue, fn, 'sqs:GetQueueAttributes');
    // POST /v1/endpoints/{id}/replay and POST /v1/dead-letters/redrive start a job.
    grantOnQueue(jobsQueue, fn, 'sqs:SendMessage');
    // New and rotated secrets are sealed under a fresh data key; shown ones are unwrapped.
    grantEndpointSecrets(props.endpointSecretsKey, fn, 'kms:Decrypt', 'kms:GenerateDataKey');
    // GetSecretValue only: `grantRead` would add DescribeSecret, which nothing calls.
    Grant.addToPrincipal({
      grantee: fn,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.cursorSecret.secretArn],
    });
  }

  /** One route per entry of `apiRoutes`, each to its function, authorized unless public. */
  private addRoutes(authorizer: IHttpRouteAuthorizer): void {
    const integrations: Record<RouteDefinition['target'], HttpLambdaIntegration> = {
      ingest: new HttpLambdaIntegration('IngestIntegration', this.ingestFunction),
      management: new HttpLambdaIntegration('ManagementIntegration', this.managementFunction),
      keys: new HttpLambdaIntegration('KeysIntegration', this.keysFunction),
    };
    for (const route of apiRoutes) {
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration: integrations[route.target],
        authorizer: route.authorized ? authorizer : new HttpNoneAuthorizer(),
      });
      if (created) this.routes.set(routeKey(route), created);
    }
  }

  /** The route created for an entry of `apiRoutes`. */
  route(method: RouteDefinition['method'], path: string): HttpRoute {
    const route = this.routes.get(routeKey({ method, path }));
    if (!route) throw new Error(`no route ${method} ${path}`);
    return route;
  }
}

const routeKey = (route: Pick<RouteDefinition, 'method' | 'path'>) =>
  `${route.method} ${route.path}`;

/** One JSON object per request; never headers, so API keys cannot end up in the logs. */
function accessLogFormat(): AccessLogFormat {
  return AccessLogFormat.custom(
    JSON.stringify({
      requestId: '$context.requestId',
      requestTime: '$context.requestTime',
      sourceIp: '$context.identity.sourceIp',
      userAgent: '$context.identity.userAgent',
      method: '$context.httpMethod',
      path: '$context.path',
      routeKey: '$context.routeKey',
      status: '$context.status',
      responseLength: '$context.responseLength',
      responseLatency: '$context.responseLatency',
      integrationLatency: '$context.integrationLatency',
      integrationError: '$context.integrationErrorMessage',
    }),
  );
}

/**
 * A delivery to a polling endpoint at publish: places claimed on the feed's counter
 * (UpdateItem), the items written (BatchWriteItem), and the success in the attempt log.
 */
function grantFeedAppends(tables: Readonly<Record<TableName, ITable>>, fn: IGrantable): void {
  grantOnTable(tables.feeds, fn, 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem');
  grantOnTable(tables.attempts, fn, 'dynamodb:BatchWriteItem');
}
