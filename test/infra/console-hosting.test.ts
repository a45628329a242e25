import { beforeAll, describe, expect, it } from 'vitest';
import { apiRoutes } from '#shared/api';
import { functionEnv } from '#shared/functions';
import { STRICT_TRANSPORT_SECURITY_SECONDS } from '../../lib/console/security-headers';
import { CONSOLE_API_PATHS, type ConsoleHosting } from '../../lib/constructs/console-hosting';
import {
  arnOf,
  asArray,
  buildStack,
  type CfnResource,
  StackTemplate,
  type Statement,
} from './synth';

/** CloudFront's managed policies, by the ids the template names them with. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

interface CacheBehavior {
  readonly PathPattern?: string;
  readonly TargetOriginId: string;
  readonly ViewerProtocolPolicy: string;
  readonly CachePolicyId: string;
  readonly OriginRequestPolicyId?: string;
  readonly ResponseHeadersPolicyId: unknown;
  readonly AllowedMethods: string[];
}

interface Origin {
  readonly Id: string;
  readonly DomainName: unknown;
  readonly OriginAccessControlId?: unknown;
  readonly S3OriginConfig?: { OriginAccessIdentity: string };
  readonly CustomOriginConfig?: { OriginProtocolPolicy: string; OriginSSLProtocols: string[] };
}

interface DistributionConfig {
  readonly DefaultCacheBehavior: CacheBehavior;
  readonly CacheBehaviors: CacheBehavior[];
  readonly Origins: Origin[];
  readonly DefaultRootObject: string;
  readonly HttpVersion: string;
  readonly PriceClass: string;
  readonly Logging?: { Bucket: unknown; Prefix: string };
}

const hostingOf = (t: StackTemplate): ConsoleHosting => {
  if (t.stack.console === undefined) throw new Error('no console hosting');
  return t.stack.console;
};

const distributionConfig = (t: StackTemplate): DistributionConfig =>
  t.resource(hostingOf(t).distribution).Properties.DistributionConfig as DistributionConfig;

const headersConfig = (t: StackTemplate, policy: 'consoleHeaders' | 'apiHeaders') =>
  t.resource(hostingOf(t)[policy]).Properties.ResponseHeadersPolicyConfig as {
    SecurityHeadersConfig: Record<string, Record<string, unknown>>;
    CustomHeadersConfig?: { Items: { Header: string; Value: string }[] };
  };

/** The policy statements of the bucket policy attached to `bucketId`. */
const bucketPolicyStatements = (t: StackTemplate, bucketId: string): Statement[] =>
  t
    .ofType('AWS::S3::BucketPolicy')
    .filter(([, policy]) => JSON.stringify(policy.Properties.Bucket) === `{"Ref":"${bucketId}"}`)
    .flatMap(
      ([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );

let t: StackTemplate;
let framed: StackTemplate;
let off: StackTemplate;

beforeAll(() => {
  t = new StackTemplate(buildStack());
  framed = new StackTemplate(
    buildStack({ consoleFrameAncestors: ['https://app.example.com', 'https://admin.example.com'] }),
  );
  off = new StackTemplate(buildStack({ consoleHosting: 'false' }));
}, 120_000);

describe('console files bucket', () => {
  it('is private: all public access blocked, no website, owner-enforced, S3-encrypted', () => {
    // Prepare
    const bucket = t.resource(hostingOf(t).bucket);

    // Act
    const properties = bucket.Properties;

    // Assess
    expect(properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(properties.WebsiteConfiguration).toBeUndefined();
    expect(properties.OwnershipControls).toEqual({
      Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }],
    });
    expect(properties.BucketEncryption).toEqual({
      ServerSideEncryptionConfiguration: [
        { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
      ],
    });
  });

  it('denies every request that is not over TLS', () => {
    const statements = bucketPolicyStatements(t, t.id(hostingOf(t).bucket));
    expect(statements).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Principal: { AWS: '*' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
  });

  it('lets only CloudFront read its objects, and only for this distribution', () => {
    // Prepare
    const hosting = hostingOf(t);
    const statements = bucketPolicyStatements(t, t.id(hosting.bucket));

    // Act: every statement that allows reading objects.
    const reads = statements.filter(
      (s) =>
        s.Effect === 'Allow' &&
        asArray(s.Action).some((action) =>
          ['s3:GetObject', 's3:GetObject*', 's3:*'].includes(action),
        ),
    );

    // Assess
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({
      Action: 's3:GetObject',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Condition: { StringEquals: { 'AWS:SourceArn': expect.anything() } },
    });
    expect(Object.keys(reads[0]?.Condition ?? {})).toEqual(['StringEquals']);
    expect(JSON.stringify(reads[0]?.Condition)).toContain(
      `":distribution/",{"Ref":"${t.id(hosting.distribution)}"}`,
    );
  });

  it('logs its server access to the logs bucket', () => {
    const hosting = hostingOf(t);
    expect(t.resource(hosting.bucket).Properties.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: t.id(hosting.logsBucket) },
      LogFilePrefix: 's3/console-files/',
    });
  });
});

describe('access logs bucket', () => {
  it('is private, TLS-only, and expires logs after logRetentionDays', () => {
    // Prepare
    const hosting = hostingOf(t);
    const staging = new StackTemplate(buildStack({ stage: 'staging' }));

    // Act
    const logs = t.resource(hosting.logsBucket);
    const stagingLogs = staging.resource(hostingOf(staging).logsBucket);

    // Assess: 30 days and kept by default; 7 days in staging (cdk.json), emptied and deleted
    // with the stack there, as its deletion protection is off.
    expect(logs.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(logs.Properties.LifecycleConfiguration).toEqual({
      Rules: [{ ExpirationInDays: 30, Status: 'Enabled' }],
    });
    expect(logs.DeletionPolicy).toBe('Retain');
    expect(bucketPolicyStatements(t, t.id(hosting.logsBucket))).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    expect(stagingLogs.Properties.LifecycleConfiguration).toEqual({
      Rules: [{ ExpirationInDays: 7, Status: 'Enabled' }],
    });
    expect(stagingLogs.DeletionPolicy).toBe('Delete');
  }, 60_000);

  it('receives the distribution’s standard logs', () => {
    expect(distributionConfig(t).Logging).toEqual({
      Bucket: { 'Fn::GetAtt': [t.id(hostingOf(t).logsBucket), 'RegionalDomainName'] },
      IncludeCookies: false,
      Prefix: 'cloudfront/',
    });
  });
});

describe('distribution', () => {
  it('reads the bucket through Origin Access Control (SigV4, always signed), with no OAI', () => {
    // Prepare
    const controls = t.ofType('AWS::CloudFront::OriginAccessControl');
    const config = distributionConfig(t);

    // Act
    const s3Origin = config.Origins.find((origin) => origin.S3OriginConfig !== undefined);

    // Assess
    expect(controls).toHaveLength(1);
    const [controlId, control] = controls[0] as [string, CfnResource];
    expect(control.Properties.OriginAccessControlConfig).toMatchObject({
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
      OriginAccessControlOriginType: 's3',
    });
    expect(s3Origin?.OriginAccessControlId).toEqual({ 'Fn::GetAtt': [controlId, 'Id'] });
    expect(s3Origin?.DomainName).toEqual({
      'Fn::GetAtt': [t.id(hostingOf(t).bucket), 'RegionalDomainName'],
    });
    expect(s3Origin?.S3OriginConfig?.OriginAccessIdentity).toBe('');
    expect(t.ofType('AWS::CloudFront::CloudFrontOriginAccessIdentity')).toHaveLength(0);
    expect(config.DefaultCacheBehavior.TargetOriginId).toBe(s3Origin?.Id);
  });

  it('serves index.html at the root over HTTP/2 and 3, from the cheapest price class', () => {
    const config = distributionConfig(t);
    expect(config).toMatchObject({
      DefaultRootObject: 'index.html',
      HttpVersion: 'http2and3',
      PriceClass: 'PriceClass_100',
    });
    expect(config.DefaultCacheBehavior).toMatchObject({
      Compress: true,
      AllowedMethods: ['GET', 'HEAD'],
    });
  });

  it('answers only HTTPS on every behaviour, default and API alike', () => {
    // Prepare
    const config = distributionConfig(t);

    // Act
    const behaviors = [config.DefaultCacheBehavior, ...config.CacheBehaviors];

    // Assess
    expect(behaviors).toHaveLength(1 + CONSOLE_API_PATHS.length);
    for (const behavior of behaviors) {
      expect(['redirect-to-https', 'https-only']).toContain(behavior.ViewerProtocolPolicy);
    }
  });

  it('sends /v1/* and /health to the HTTP API, uncached, with every viewer header but Host', () => {
    // Prepare
    const config = distributionConfig(t);
    const api = t.id(t.stack.api.httpApi);

    // Act
    const byPath: Record<string, CacheBehavior> = Object.fromEntries(
      config.CacheBehaviors.map((b) => [b.PathPattern, b]),
    );
    const origins = new Map(config.Origins.map((origin) => [origin.Id, origin]));

    // Assess
    expect(Object.keys(byPath).sort()).toEqual(['/health', '/v1/*']);
    for (const behavior of Object.values(byPath)) {
      expect(behavior).toMatchObject({
        CachePolicyId: CACHING_DISABLED,
        OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
        AllowedMethods: expect.arrayContaining(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
        ResponseHeadersPolicyId: { Ref: t.id(hostingOf(t).apiHeaders) },
      });
      const origin = origins.get(behavior.TargetOriginId);
      expect(origin?.DomainName).toEqual({
        'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [api, 'ApiEndpoint'] }] }],
      });
      expect(origin?.CustomOriginConfig).toEqual({
        OriginProtocolPolicy: 'https-only',
        OriginSSLProtocols: ['TLSv1.2'],
      });
    }
  });

  it('has a behaviour for the path of every API route', () => {
    // Act: the path patterns CloudFront matches, as regular expressions.
    const patterns = CONSOLE_API_PATHS.map(
      (pattern) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace('*', '.*')}$`),
    );

    // Assess
    for (const route of apiRoutes) {
      expect(
        patterns.some((pattern) => pattern.test(route.path)),
        route.path,
      ).toBe(true);
    }
  });
});

describe('response headers', () => {
  it("send the console's CSP, HSTS, nosniff, no referrer, and DENY framing by default", () => {
    // Prepare
    const config = headersConfig(t, 'consoleHeaders');

    // Act
    const security = config.SecurityHeadersConfig;

    // Assess
    expect(distributionConfig(t).DefaultCacheBehavior.ResponseHeadersPolicyId).toEqual({
      Ref: t.id(hostingOf(t).consoleHeaders),
    });
    expect(security.ContentSecurityPolicy).toEqual({
      ContentSecurityPolicy: expect.stringContaining("frame-ancestors 'none'"),
      Override: true,
    });
    expect(security.ContentSecurityPolicy?.ContentSecurityPolicy).toContain("default-src 'none'");
    expect(security.StrictTransportSecurity).toEqual({
      AccessControlMaxAgeSec: STRICT_TRANSPORT_SECURITY_SECONDS,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.ReferrerPolicy).toEqual({ ReferrerPolicy: 'no-referrer', Override: true });
    expect(security.FrameOptions).toEqual({ FrameOption: 'DENY', Override: true });
  });

  it('let the configured origins frame the console, and drop X-Frame-Options then', () => {
    // Act
    const security = headersConfig(framed, 'consoleHeaders').SecurityHeadersConfig;

    // Assess
    expect(security.ContentSecurityPolicy?.ContentSecurityPolicy).toContain(
      "frame-ancestors 'self' https://app.example.com https://admin.example.com",
    );
    expect(security.ContentSecurityPolicy?.ContentSecurityPolicy).not.toContain(
      "frame-ancestors 'none'",
    );
    expect(security.FrameOptions).toBeUndefined();
  });

  it("send local mode's other headers too", () => {
    const items = headersConfig(t, 'consoleHeaders').CustomHeadersConfig?.Items ?? [];
    expect(Object.fromEntries(items.map((item) => [item.Header, item.Value]))).toEqual({
      'cross-origin-opener-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    });
  });

  it("give the API HSTS and nosniff, and not the console's CSP", () => {
    const security = headersConfig(t, 'apiHeaders').SecurityHeadersConfig;
    expect(security.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: STRICT_TRANSPORT_SECURITY_SECONDS,
    });
    expect(security.ContentTypeOptions).toEqual({ Override: true });
    expect(security.ContentSecurityPolicy).toBeUndefined();
  });
});

describe('deployment', () => {
  it('uploads the built console and invalidates the whole distribution', () => {
    const [[, deployment]] = t.ofType('Custom::CDKBucketDeployment') as [[string, CfnResource]];
    expect(deployment.Properties).toMatchObject({
      DestinationBucketName: { Ref: t.id(hostingOf(t).bucket) },
      DistributionId: { Ref: t.id(hostingOf(t).distribution) },
      DistributionPaths: ['/*'],
      Prune: true,
    });
  });

  it('logs to its own log group, kept like the other logs', () => {
    const logGroup = t.resource(hostingOf(t).deploymentLogGroup);
    expect(logGroup).toMatchObject({
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Retain',
    });
  });
});

describe('wiring', () => {
  const consoleUrl = (template: StackTemplate) => ({
    'Fn::Join': [
      '',
      [
        'https://',
        { 'Fn::GetAtt': [template.id(hostingOf(template).distribution), 'DomainName'] },
        '/',
      ],
    ],
  });

  it('outputs the console address as ConsoleUrl', () => {
    const outputs = t.template.toJSON().Outputs as Record<
      string,
      { Value: unknown; Description: string }
    >;
    expect(outputs.ConsoleUrl?.Value).toEqual(consoleUrl(t));
    expect(outputs.ConsoleUrl?.Description).toMatch(/portal links start with it/);
  });

  it('tells the keys function, and only it, the console address', () => {
    // Act
    const told = Object.entries(t.fns).filter(
      ([, fn]) => functionEnv.consoleUrl in t.environment(fn),
    );

    // Assess
    expect(told.map(([name]) => name)).toEqual(['keys']);
    expect(t.environment(t.fns.keys)[functionEnv.consoleUrl]).toEqual(consoleUrl(t));
  });

  it('leaves the console out entirely when consoleHosting is false', () => {
    // Act
    const types = new Set(Object.values(off.resources).map((resource) => resource.Type));

    // Assess
    expect(off.stack.console).toBeUndefined();
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::S3::BucketPolicy',
      'AWS::CloudFront::Distribution',
      'AWS::CloudFront::OriginAccessControl',
      'AWS::CloudFront::ResponseHeadersPolicy',
      'Custom::CDKBucketDeployment',
      'Custom::S3AutoDeleteObjects',
    ]) {
      expect(types.has(type), type).toBe(false);
    }
    expect(off.environment(off.fns.keys)).not.toHaveProperty(functionEnv.consoleUrl);
    expect(off.template.toJSON().Outputs).not.toHaveProperty('ConsoleUrl');
    // The API is the same with or without the console.
    expect(off.ofType('AWS::ApiGatewayV2::Route')).toHaveLength(
      t.ofType('AWS::ApiGatewayV2::Route').length,
    );
    expect(arnOf(off.id(off.stack.api.httpApi))).toEqual(arnOf(t.id(t.stack.api.httpApi)));
  });
});
