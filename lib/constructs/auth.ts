import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  HttpLambdaAuthorizer,
  HttpLambdaResponseType,
} from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AUTHORIZER_CACHE_SECONDS } from '#shared/api';
import { functionEnv } from '#shared/functions';
import { HooklineFunction, type SharedFunctionProps } from '../hookline-function';
import { grantOnTable } from './storage';

/** Environment variable through which the authorizer finds the bootstrap admin key. */
export const BOOTSTRAP_ADMIN_KEY_SECRET_ENV = functionEnv.bootstrapAdminKeySecretArn;

/** The header API Gateway caches authorizer answers by (`Bearer <key>`). */
export const AUTHORIZER_IDENTITY_SOURCE = '$request.header.Authorization';

export interface ApiKeyAuthProps {
  /** The api-keys table of {@link Storage}; the authorizer looks keys up in it by hash. */
  readonly apiKeysTable: ITable;
  /** @default - HooklineFunction defaults */
  readonly functionProps?: SharedFunctionProps;
  /** What happens to the bootstrap admin key secret when it leaves the stack. @default RETAIN */
  readonly secretRemovalPolicy?: RemovalPolicy;
}

/**
 * API key authentication for the HTTP API: a Lambda authorizer (payload 2.0, simple
 * responses) that turns the `Authorization` header into a scope, and the bootstrap admin key
 * that CloudFormation generates at deploy so the first admin can create the other keys.
 *
 * The authorizer refuses an unknown key, so API Gateway answers 403 itself and no function
 * runs for it; a known key's `scope` (`admin` or `publish`) and `tenant` ('' for an operator
 * key) go on to the functions, which check that they fit the route. API Gateway caches the
 * answer per `Authorization` header for {@link AUTHORIZER_CACHE_SECONDS}, so a revoked key
 * may keep working that long. A request without the header is refused by API Gateway itself
 * (401) before the authorizer runs.
 */
export class ApiKeyAuth extends Construct {
  readonly authorizerFunction: HooklineFunction;
  /** 48 letters and digits; read it with `aws secretsmanager get-secret-value`. */
  readonly bootstrapAdminKey: Secret;
  /** Attach to every route that needs an API key. */
  readonly authorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: ApiKeyAuthProps) {
    super(scope, id);

    // The AWS-managed key (aws/secretsmanager) is enough: only the authorizer's role may read
    // the secret, and a customer key would add a key policy to maintain and a KMS grant.
    this.bootstrapAdminKey = new Secret(this, 'BootstrapAdminKey', {
      description: 'Hookline: the first admin API key, generated at deploy',
      generateSecretString: { excludePunctuation: true, passwordLength: 48 },
      removalPolicy: props.secretRemovalPolicy ?? RemovalPolicy.RETAIN,
    });

    this.authorizerFunction = new HooklineFunction(this, 'Authorizer', {
      ...props.functionProps,
      handlerName: 'authorizer',
      description: 'Hookline: API key authorizer of the HTTP API',
      // One GetItem (and, per container every 5 minutes, one secret read); every uncached
      // request waits for it, so a stuck call should fail fast rather than hold the request.
      timeout: Duration.seconds(5),
      memorySize: 256,
      environment: { [BOOTSTRAP_ADMIN_KEY_SECRET_ENV]: this.bootstrapAdminKey.secretArn },
    });
    // GetSecretValue only: `grantRead` would add DescribeSecret, which Powertools' getSecret
    // never calls. No KMS grant: the AWS-managed key lets any principal that may read the
    // secret decrypt it through Secrets Manager.
    Grant.addToPrincipal({
      grantee: this.authorizerFunction,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.bootstrapAdminKey.secretArn],
    });
    // Keys are looked up by hash with GetItem, nothing else.
    grantOnTable(props.apiKeysTable, this.authorizerFunction, 'dynamodb:GetItem');

    this.authorizer = new HttpLambdaAuthorizer('ApiKeyAuthorizer', this.authorizerFunction, {
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [AUTHORIZER_IDENTITY_SOURCE],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });
  }
}
