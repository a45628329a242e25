import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ResolveHost, resolvedUrlProblem, urlProblem } from '../../lambda/domain/endpoint';
import { hostProblem, isPublicAddress, nonPublicKind } from '../../lambda/domain/ssrf';

const AWS = { allowPrivateTargets: false };
const LOCAL = { allowPrivateTargets: true };

/** Hostile targets, each with what the refusal should name; `loopback` ones work locally. */
const HOSTILE: ReadonlyArray<[url: string, mentions: string, loopback?: 'loopback']> = [
  ['http://2130706433/', '127.0.0.1', 'loopback'],
  ['http://0x7f000001/', '127.0.0.1', 'loopback'],
  ['http://0177.0.0.1/', '127.0.0.1', 'loopback'],
  ['http://127.1/', '127.0.0.1', 'loopback'],
  ['http://0x7f.0.0.1/', '127.0.0.1', 'loopback'],
  ['http://127.0.0.1./', '127.0.0.1', 'loopback'],
  ['http://[::1]/', 'loopback', 'loopback'],
  ['http://[::ffff:127.0.0.1]/', 'IPv4-mapped loopback', 'loopback'],
  ['http://[::ffff:7f00:1]/', 'IPv4-mapped loopback', 'loopback'],
  ['http://[::ffff:10.0.0.1]/', 'IPv4-mapped private'],
  ['http://[::127.0.0.1]/', 'IPv4-compatible'],
  ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
  ['http://2852039166/latest/meta-data/', 'cloud metadata'],
  ['http://[fd00:ec2::254]/latest/meta-data/', 'cloud metadata'],
  ['http://[::ffff:169.254.169.254]/', 'IPv4-mapped cloud metadata'],
  ['http://localhost/', 'local host', 'loopback'],
  ['http://localhost./', 'local host', 'loopback'],
  ['http://localhost../', 'local host', 'loopback'],
  ['http://LOCALHOST/', 'local host', 'loopback'],
  ['http://foo.localhost/', 'local host', 'loopback'],
  ['http://10.0.0.1/', 'private'],
  ['http://172.16.5.4/', 'private'],
  ['http://192.168.1.1/', 'private'],
  ['http://100.64.0.1/', 'carrier-grade NAT'],
  ['http://0.0.0.0/', 'unspecified'],
  ['http://0/', 'unspecified'],
  ['http://255.255.255.255/', 'broadcast'],
  ['http://224.0.0.1/', 'multicast'],
  ['http://192.0.2.10/', 'reserved'],
  ['http://198.18.0.1/', 'reserved'],
  ['http://[fc00::1]/', 'unique-local'],
  ['http://[fe80::1]/', 'link-local'],
  ['http://[ff02::1]/', 'multicast'],
  ['http://[::]/', 'unspecified'],
  ['http://[64:ff9b::7f00:1]/', 'NAT64 loopback'],
  ['http://[64:ff9b::10.1.2.3]/', 'NAT64 private'],
  ['http://[2002:7f00:1::]/', '6to4 loopback'],
  ['http://[2001::1]/', 'Teredo'],
  ['http://[2001:db8::1]/', 'documentation'],
  ['http://metadata.google.internal/', 'local host'],
  ['http://printer.local/', 'local host'],
  ['http://intranet/', 'fully qualified'],
];

describe('SSRF: URLs refused outside local mode', () => {
  it('WHATWG URL parsing turns decimal, hex, octal and short IPv4 forms into dotted ones', () => {
    for (const form of [
      '2130706433',
      '0x7f000001',
      '0177.0.0.1',
      '127.1',
      '0x7f.1',
      '127.0.0.1.',
    ]) {
      expect(new URL(`https://${form}/`).hostname).toBe('127.0.0.1');
    }
    expect(new URL('https://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(new URL('https://localhost./').hostname).toBe('localhost.');
  });

  it.each(
    HOSTILE.flatMap(([url, mentions]) => [
      [url, mentions],
      [url.replace(/^http:/, 'https:'), mentions],
    ]),
  )('refuses %s', (url, mentions) => {
    const problem = urlProblem(url, AWS);
    expect(problem).toBeDefined();
    if (url.startsWith('https:')) {
      // Refused for where it points, not merely for the scheme.
      expect(problem).toContain(mentions);
      expect(problem).toMatch(/public/);
    }
  });

  it.each(HOSTILE.filter(([, , loopback]) => loopback).map(([url]) => url))(
    'accepts loopback %s in local mode only',
    (url) => {
      expect(urlProblem(url, LOCAL)).toBeUndefined();
      expect(urlProblem(url.replace(/^http:/, 'https:'), LOCAL)).toBeUndefined();
      expect(urlProblem(url.replace(/^http:/, 'https:'), AWS)).toBeDefined();
    },
  );

  it.each([
    'https://example.com/hook',
    'https://93.184.216.34/',
    'https://Example.COM./hooks?x=1',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/',
    'https://[::ffff:93.184.216.34]/',
    'https://[64:ff9b::5db8:d822]/',
    'https://api.example.co.uk:8443/webhooks',
  ])('accepts the public %s', (url) => {
    expect(urlProblem(url, AWS)).toBeUndefined();
  });

  it('accepts only https outside local mode', () => {
    expect(urlProblem('http://example.com/hook', AWS)).toBe('must use https');
    expect(urlProblem('http://example.com/hook', LOCAL)).toBeUndefined();
    expect(urlProblem('ftp://example.com/hook', LOCAL)).toBe('must use http or https');
  });

  it('refuses every 10/8, 127/8, 169.254/16, 172.16/12 and 192.168/16 address in any notation', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const privateAddress = fc.oneof(
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(127), octet, octet, octet),
      fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
    );
    const notation = fc.constantFrom('dotted', 'decimal', 'hex', 'octal', 'hex-octets');
    fc.assert(
      fc.property(privateAddress, notation, (octets, form) => {
        const dotted = octets.join('.');
        const value = octets.reduce((n, o) => n * 256 + o, 0);
        const host = {
          dotted,
          decimal: String(value),
          hex: `0x${value.toString(16)}`,
          octal: octets.map((o) => `0${o.toString(8)}`).join('.'),
          'hex-octets': octets.map((o) => `0x${o.toString(16)}`).join('.'),
        }[form];
        expect(new URL(`https://${host}/`).hostname).toBe(dotted);
        const problem = urlProblem(`https://${host}/hook`, AWS);
        expect(problem).toContain(dotted);
        expect(urlProblem(`https://[::ffff:${dotted}]/hook`, AWS)).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });
});

describe('isPublicAddress', () => {
  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '1.1.1.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
  ])('holds for %s', (ip) => {
    expect(isPublicAddress(ip)).toBe(true);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.255.255.255', 'private'],
    ['172.31.0.1', 'private'],
    ['169.254.170.2', 'link-local'],
    ['169.254.169.254', 'cloud metadata'],
    ['100.127.255.255', 'carrier-grade NAT'],
    ['192.0.0.8', 'reserved'],
    ['203.0.113.7', 'reserved'],
    ['240.0.0.1', 'reserved'],
    ['192.175.48.1', 'special-purpose'],
    ['::1', 'loopback'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fdff::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['fe80::1%eth0', 'link-local'],
    ['::ffff:192.168.0.1', 'IPv4-mapped private'],
    ['::ffff:0:7f00:1', 'IPv4-translated'],
    ['64:ff9b:1::1', 'NAT64 local-use'],
    ['100::1', 'special-purpose'],
    ['2001:2::1', 'benchmarking'],
    ['3fff::1', 'documentation or reserved'],
    ['::7f00:1', 'IPv4-compatible'],
    ['4000::1', 'reserved'],
    ['not-an-address', 'invalid'],
    ['', 'invalid'],
  ])('is refused for %s (%s)', (ip, kind) => {
    expect(isPublicAddress(ip)).toBe(false);
    expect(nonPublicKind(ip)).toBe(kind);
  });
});

describe('hostProblem', () => {
  it.each([
    'localhost',
    'localhost.',
    'LocalHost',
    'a.b.localhost',
    'db.internal',
    'printer.local',
    'router.home.arpa',
    'nas.lan',
    'box.localdomain',
    'intranet',
    '.',
  ])('refuses the name %s', (name) => {
    expect(hostProblem(name)).toBeDefined();
  });

  it.each(['example.com', 'example.com.', 'localhost.example.com', 'internal.example.com'])(
    'accepts the name %s',
    (name) => {
      expect(hostProblem(name)).toBeUndefined();
    },
  );
});

describe('resolvedUrlProblem', () => {
  const dns =
    (table: Record<string, string[]>): ResolveHost =>
    async (hostname) => {
      const answer = table[hostname];
      if (answer === undefined) {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      }
      return answer;
    };
  const resolve = dns({
    'private.example.com': ['10.0.0.5'],
    'mixed.example.com': ['93.184.216.34', '10.0.0.5'],
    'public.example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'mapped.example.com': ['::ffff:127.0.0.1'],
    'empty.example.com': [],
  });

  it('refuses a name that resolves to a private address, saying which', async () => {
    expect(await resolvedUrlProblem('https://private.example.com/hook', AWS, resolve)).toBe(
      'resolves to 10.0.0.5, a private address; Hookline delivers only to public addresses',
    );
  });

  it('refuses a name when any one of its addresses is private', async () => {
    expect(await resolvedUrlProblem('https://mixed.example.com/hook', AWS, resolve)).toContain(
      'resolves to 10.0.0.5',
    );
    expect(await resolvedUrlProblem('https://mapped.example.com/', AWS, resolve)).toContain(
      'an IPv4-mapped loopback address',
    );
  });

  it('accepts a name that resolves to public addresses only', async () => {
    expect(
      await resolvedUrlProblem('https://public.example.com/hook', AWS, resolve),
    ).toBeUndefined();
  });

  it('refuses a name that does not resolve', async () => {
    expect(await resolvedUrlProblem('https://nowhere.example.com/', AWS, resolve)).toMatch(
      /^host name not found/,
    );
    expect(await resolvedUrlProblem('https://empty.example.com/', AWS, resolve)).toMatch(
      /^host name not found/,
    );
  });

  it('reports the plain URL problem first, without resolving', async () => {
    let asked = 0;
    const counting: ResolveHost = async () => {
      asked++;
      return ['93.184.216.34'];
    };
    expect(await resolvedUrlProblem('http://public.example.com/', AWS, counting)).toBe(
      'must use https',
    );
    expect(await resolvedUrlProblem('https://10.0.0.1/', AWS, counting)).toContain('private');
    expect(await resolvedUrlProblem('https://93.184.216.34/', AWS, counting)).toBeUndefined();
    expect(asked).toBe(0);
  });

  it('does not resolve at all in local mode', async () => {
    expect(
      await resolvedUrlProblem('http://private.example.com/', LOCAL, async () => {
        throw new Error('should not be asked');
      }),
    ).toBeUndefined();
  });
});
