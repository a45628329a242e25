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
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { apiRoutes, type RouteDefinition } from '#shared/api';
import type { TableName } from '#shared/tables';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { grantKeyReads, grantOnIndex, grantTableReadWrite } from './storage';

export interface ApiProps {
  /** The tables from {@link Storage}; each function gets access to the ones it needs. */
  readonly tables: Readonly<Record<TableName, ITable>>;
  /** Where accepted deliveries go. */
  readonly deliveryQueue: IQueue;
  /** Read and redriven by the management function. */
  readonly deadLetterQueue: IQueue;
  /** Where the management function enqueues the first page of a replay or redrive job. */
  readonly jobsQueue: IQueue;
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
}

/**
 * The public HTTP API (one route per entry of `apiRoutes`) and its two functions. The API key
 * authorizer runs before every route but the public ones (GET /health); it passes the key's
 * scope on, and the functions check that the scope fits the route.
 */
export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly ingestFunction: HooklineFunction;
  readonly managementFunction: HooklineFunction;
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

    this.managementFunction = new HooklineFunction(this, 'Management', {
      ...props.functionProps,
      handlerName: 'management',
      description: 'Hookline: endpoints, event log, attempts, dead letters and replay',
    });
    this.grantManagement(props);

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

  /** Publishing: endpoints to fan out to, the event log, idempotency, the delivery queue. */
  private grantIngest({ tables, deliveryQueue }: ApiProps): void {
    grantKeyReads(tables.endpoints, this.ingestFunction);
    // The table only: publishing never reads the byTenantTime index.
    grantTableReadWrite(tables.events, this.ingestFunction);
    tables.idempotency.grantReadWriteData(this.ingestFunction);
    grantKeyReads(tables.apiKeys, this.ingestFunction);
    deliveryQueue.grantSendMessages(this.ingestFunction);
  }

  /** The operator API: endpoints, keys, jobs, the event log, dead letters, attempts. */
  private grantManagement({ tables, deliveryQueue, deadLetterQueue, jobsQueue }: ApiProps): void {
    // idempotency: replay and redrive honour an Idempotency-Key like publishing does.
    for (const name of ['endpoints', 'apiKeys', 'jobs', 'idempotency'] as const) {
      tables[name].grantReadWriteData(this.managementFunction);
    }
    // Events and deliveries on the table only; their indexes are granted one by one below.
    grantTableReadWrite(tables.events, this.managementFunction);
    grantTableReadWrite(tables.deliveries, this.managementFunction);
    // GET /v1/events lists one tenant's events by time.
    grantOnIndex(tables, 'events', 'byTenantTime', this.managementFunction, 'dynamodb:Query');
    // GET /v1/dead-letters: one endpoint's by Query, all of them by Scan of the sparse index,
    // which holds dead-lettered deliveries only.
    grantOnIndex(
      tables,
      'deliveries',
      'deadLetters',
      this.managementFunction,
      'dynamodb:Query',
      'dynamodb:Scan',
    );
    // The attempt log is written by the dispatcher and only read here.
    grantKeyReads(tables.attempts, this.managementFunction);
    // Per-endpoint delivery health (circuit state), for operators.
    grantKeyReads(tables.endpointState, this.managementFunction);
    deliveryQueue.grantSendMessages(this.managementFunction);
    // The dead-letter list reads the DLQ's depth; moving letters is the replay function's job.
    deadLetterQueue.grant(this.managementFunction, 'sqs:GetQueueAttributes');
    // POST /v1/endpoints/{id}/replay and POST /v1/dead-letters/redrive start a job.
    jobsQueue.grantSendMessages(this.managementFunction);
  }

  /** One route per entry of `apiRoutes`, each to its function, authorized unless public. */
  private addRoutes(authorizer: IHttpRouteAuthorizer): void {
    const integrations = {
      ingest: new HttpLambdaIntegration('IngestIntegration', this.ingestFunction),
      management: new HttpLambdaIntegration('ManagementIntegration', this.managementFunction),
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
