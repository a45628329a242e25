import { Duration, Fn, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  type ResponseSecurityHeadersBehavior,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { consoleAssetsDir } from '../console/assets';
import {
  consoleContentSecurityPolicy,
  consoleSecurityHeaders,
  STRICT_TRANSPORT_SECURITY_SECONDS,
} from '../console/security-headers';

/** The paths CloudFront sends on to the HTTP API: every route of `apiRoutes` is below one. */
export const CONSOLE_API_PATHS: readonly string[] = ['/v1/*', '/health'];

/** The qualifier of `cdk bootstrap` when none is configured: it names the asset bucket. */
const DEFAULT_BOOTSTRAP_QUALIFIER = 'hnb659fds';

/** Where each kind of access log goes in the logs bucket. */
export const CONSOLE_LOG_PREFIXES = {
  distribution: 'cloudfront/',
  filesBucket: 's3/console-files/',
} as const;

export interface ConsoleHostingProps {
  /**
   * The HTTP API, served by the same distribution under {@link apiPaths}, so the console
   * calls its own origin and needs no CORS.
   */
  readonly api: IHttpApi;
  /**
   * Origins allowed to frame the console (CSP `frame-ancestors`); with none, no page may,
   * and `X-Frame-Options: DENY` is sent as well. @default - none
   */
  readonly frameAncestors?: readonly string[];
  /**
   * The path patterns routed to the API rather than to the console's files.
   * @default CONSOLE_API_PATHS (`/v1/*` and `/health`)
   */
  readonly apiPaths?: readonly string[];
  /**
   * Edge locations serving the console. The console is a few small files for operators, so
   * the cheapest class (North America and Europe) suffices; viewers elsewhere are served from
   * the nearest of those. @default PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: PriceClass;
  /**
   * ARN of a WAFv2 web ACL (scope CLOUDFRONT, in us-east-1) to attach. None by default: a web
   * ACL costs a monthly fee per ACL and rule, and the API behind it already authorizes every
   * request but the health check. @default - no web ACL
   */
  readonly webAclId?: string;
  /**
   * A custom domain for the console, e.g. `hookline.example.com`; needs {@link certificate}.
   * @default - the distribution's `*.cloudfront.net` domain
   */
  readonly domainName?: string;
  /**
   * The certificate of {@link domainName}, issued in us-east-1 (CloudFront's requirement).
   * With it, viewers need TLS 1.2 or later. @default - CloudFront's default certificate
   */
  readonly certificate?: ICertificate;
  /**
   * How long the access logs (CloudFront's and the files bucket's) are kept, and the
   * retention of the deployment function's log group. @default RetentionDays.ONE_MONTH
   */
  readonly logRetentionDays?: RetentionDays;
  /**
   * What happens to the access logs bucket and the deployment's log group when they leave
   * the stack; with DESTROY the logs bucket is emptied first. @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The web console and tenant portal: their static files in a private S3 bucket, served by a
 * CloudFront distribution that reads the bucket through Origin Access Control, and which
 * also forwards the API's paths to the HTTP API. The console is thereby same-origin with the
 * API. Every response carries the console's security headers (lib/console/security-headers.ts,
 * the same as local mode sends); the files are uploaded, and the cache invalidated, on every
 * deploy.
 */
export class ConsoleHosting extends Construct {
  /** The console's files, written only by the deployment. */
  readonly bucket: Bucket;
  /** CloudFront's standard logs and the files bucket's server access logs. */
  readonly logsBucket: Bucket;
  readonly distribution: Distribution;
  /** The headers of the console's files. */
  readonly consoleHeaders: ResponseHeadersPolicy;
  /** The headers added to the API's responses. */
  readonly apiHeaders: ResponseHeadersPolicy;
  readonly deployment: BucketDeployment;
  /** Log group of the deployment's function. */
  readonly deploymentLogGroup: LogGroup;

  /** The console's address, ending in `/`; tenant portal links start with it. */
  get url(): string {
    return `https://${this.domainName}/`;
  }

  /** The console's host: the custom domain if one is set, else the distribution's. */
  get domainName(): string {
    return this.customDomainName ?? this.distribution.distributionDomainName;
  }

  private readonly customDomainName: string | undefined;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    if ((props.domainName === undefined) !== (props.certificate === undefined)) {
      throw new Error('ConsoleHosting: domainName and certificate must be given together');
    }
    this.customDomainName = props.domainName;
    const frameAncestors = props.frameAncestors ?? [];
    const logRetentionDays = props.logRetentionDays ?? RetentionDays.ONE_MONTH;
    const logRemovalPolicy = props.logRemovalPolicy ?? RemovalPolicy.RETAIN;

    // CloudFront's standard logging writes through S3 ACLs (it grants its log delivery
    // account, never the public), so this bucket alone keeps ACLs enabled, owned by the
    // bucket owner. Nothing else is written here.
    this.logsBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // CloudFront cannot deliver logs to a bucket encrypted with SSE-KMS without a key
      // policy for it; S3-managed keys need none.
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(logRetentionDays) }],
      removalPolicy: logRemovalPolicy,
      // A bucket CloudFormation deletes must be empty first.
      autoDeleteObjects: logRemovalPolicy === RemovalPolicy.DESTROY,
    });

    // Only what the deployment uploaded from packages/console/dist: rebuilt from the
    // repository on every deploy, so nothing is lost when the stack deletes the bucket, and
    // DESTROY with autoDeleteObjects leaves no orphaned bucket behind. Its custom resource
    // is one function per stack, shared with the logs bucket.
    this.bucket = new Bucket(this, 'Files', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: CONSOLE_LOG_PREFIXES.filesBucket,
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: true,
    });

    this.consoleHeaders = new ResponseHeadersPolicy(this, 'ConsoleHeaders', {
      comment: 'Hookline console: CSP, HSTS and the other security headers of local mode',
      securityHeadersBehavior: {
        ...transportHeaders(),
        contentSecurityPolicy: {
          contentSecurityPolicy: consoleContentSecurityPolicy(frameAncestors),
          override: true,
        },
        // X-Frame-Options can name no origin: sent only when no page may frame the console.
        ...(frameAncestors.length === 0 && {
          frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        }),
      },
      customHeadersBehavior: { customHeaders: otherConsoleHeaders(frameAncestors) },
    });
    this.apiHeaders = new ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'Hookline API through the console domain: HSTS, nosniff, never framed',
      securityHeadersBehavior: {
        ...transportHeaders(),
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Hookline console (${Stack.of(this).stackName})`,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.consoleHeaders,
        compress: true,
      },
      additionalBehaviors: this.apiBehaviors(props.api, props.apiPaths ?? CONSOLE_API_PATHS),
      // The console routes by the URL's fragment (`#portal=<token>`), so every page is
      // index.html and no error response needs rewriting to it.
      defaultRootObject: 'index.html',
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      enableIpv6: true,
      ...(props.domainName !== undefined && {
        domainNames: [props.domainName],
        certificate: props.certificate,
        // Settable only with a certificate of our own; the default one allows TLS 1.0.
        minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      }),
      ...(props.webAclId !== undefined && { webAclId: props.webAclId }),
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: CONSOLE_LOG_PREFIXES.distribution,
      // Cookies are none of the console's business, and may carry someone else's secrets.
      logIncludesCookies: false,
    });

    this.deploymentLogGroup = new LogGroup(this, 'DeploymentLogGroup', {
      retention: logRetentionDays,
      removalPolicy: logRemovalPolicy,
    });
    this.deployment = new BucketDeployment(this, 'Deployment', {
      sources: [Source.asset(consoleAssetsDir())],
      destinationBucket: this.bucket,
      // Files of earlier builds go: index.html names only the current hashed assets.
      prune: true,
      // Browsers revalidate (a cheap 304) rather than keep an index.html naming assets that
      // a later deploy pruned; the edge is invalidated on every deploy.
      cacheControl: [CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      logGroup: this.deploymentLogGroup,
      memoryLimit: 256,
    });

    this.acknowledgeNagFindings(props);
  }

  /**
   * The API's paths: never cached, every viewer header but Host passed on (the Authorization
   * header among them: CloudFront forwards it when caching is disabled; API Gateway needs its
   * own Host), over HTTPS only. HTTPS_ONLY rather than a redirect: a client that sent an API
   * key over plain HTTP should fail, not be redirected into repeating it.
   */
  private apiBehaviors(api: IHttpApi, paths: readonly string[]): Record<string, BehaviorOptions> {
    // `https://<id>.execute-api.<region>.amazonaws.com` → its host. One origin for all paths.
    const origin = new HttpOrigin(Fn.select(2, Fn.split('/', api.apiEndpoint)), {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    const behavior: BehaviorOptions = {
      origin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.apiHeaders,
      compress: true,
    };
    return Object.fromEntries(paths.map((path) => [path, behavior]));
  }

  /** cdk-nag findings that are deliberate, each on the construct it concerns. */
  private acknowledgeNagFindings(props: ConsoleHostingProps): void {
    Validations.of(this.logsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This is the access log bucket itself (CloudFront standard logs and the console bucket server access logs); logging its own access would write into itself.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Hookline is deployed by each operator for their own users, wherever they are; a geo restriction would be a guess. Every API request but the health check is authorized by API key, and the console files are public static assets.',
    });
    if (props.webAclId === undefined) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL by default: it costs a monthly fee per ACL and rule, the files are static, and the API authorizes every request but the health check and throttles each route. Operators who want one pass its ARN (webAclId).',
      });
    }
    if (props.certificate === undefined) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, for which CloudFront fixes the viewer TLS policy (TLSv1). Browsers negotiate TLS 1.2 or 1.3 anyway; with domainName and certificate the minimum is TLS 1.2 (TLSv1.2_2021).',
      });
    }
    this.acknowledgeDeploymentFindings();
  }

  /**
   * The deployment's function and the auto-delete custom resource are CDK's own handlers,
   * run only by CloudFormation during a deploy; their roles are CDK's to shape.
   */
  private acknowledgeDeploymentFindings(): void {
    const stack = Stack.of(this);
    const handlerRole = this.deployment.handlerRole;
    const bucketId = stack.resolve((this.bucket.node.defaultChild as CfnBucket).logicalId);
    const qualifier = stack.synthesizer.bootstrapQualifier ?? DEFAULT_BOOTSTRAP_QUALIFIER;
    // The handler is a singleton of the stack, and the role's scope.
    const handler = handlerRole.node.scope as Construct;
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "CDK's BucketDeployment handler: its runtime is chosen by aws-cdk-lib (which Hookline pins and upgrades), not settable here; it runs only during a deploy, on CloudFormation's request.",
    });
    Validations.of(handlerRole).acknowledge(
      {
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        reason:
          "CDK's BucketDeployment handler role: the AWS-managed basic execution policy only lets the function write its logs.",
      },
      ...[
        'Action::s3:GetObject*',
        'Action::s3:GetBucket*',
        'Action::s3:List*',
        'Action::s3:DeleteObject*',
        'Action::s3:Abort*',
        `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-<AWS::AccountId>-<AWS::Region>/*`,
        `Resource::<${bucketId}.Arn>/*`,
        'Resource::*',
      ].map((finding) => ({
        id: `AwsSolutions-IAM5[${finding}]`,
        reason:
          "CDK's BucketDeployment handler: it reads the console's asset from the CDK asset bucket and copies it over the console bucket's objects, pruning old ones (prefix wildcards on those two buckets only), and invalidates the distribution (CloudFront's CreateInvalidation takes no narrower resource in CDK's policy).",
      })),
    );
  }
}

/** HSTS, nosniff and no referrer: on every response, the console's and the API's alike. */
function transportHeaders(): ResponseSecurityHeadersBehavior {
  return {
    strictTransportSecurity: {
      accessControlMaxAge: Duration.seconds(STRICT_TRANSPORT_SECURITY_SECONDS),
      includeSubdomains: true,
      override: true,
    },
    contentTypeOptions: { override: true },
    referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
  };
}

/**
 * The console's headers that CloudFront has no security setting for (COOP, Permissions-Policy),
 * taken from the same list local mode sends.
 */
function otherConsoleHeaders(frameAncestors: readonly string[]) {
  const covered = new Set([
    'content-security-policy',
    'x-content-type-options',
    'referrer-policy',
    'x-frame-options',
  ]);
  return Object.entries(consoleSecurityHeaders(frameAncestors))
    .filter(([header]) => !covered.has(header))
    .map(([header, value]) => ({ header, value, override: true }));
}
