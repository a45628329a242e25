/**
 * Which delivery targets count as public (README: Delivery targets and SSRF). Everything here is pure: the
 * address checks run on literal hosts when an endpoint is created, on the addresses a name
 * resolves to then, and again on the address each connection actually goes to.
 */
import ipaddr from 'ipaddr.js';

export const PUBLIC_ONLY = 'Hookline delivers only to public addresses';

/** Cloud metadata services, named so that a refusal says what it protected. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254']);

const V4_KINDS: Record<string, string> = {
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'carrier-grade NAT',
  private: 'private',
  reserved: 'reserved',
};

const V6_KINDS: Record<string, string> = {
  unspecified: 'unspecified',
  loopback: 'loopback',
  linkLocal: 'link-local',
  uniqueLocal: 'unique-local',
  multicast: 'multicast',
  deprecatedSiteLocal: 'site-local',
  rfc6145: 'IPv4-translated',
  teredo: 'Teredo',
  benchmarking: 'benchmarking',
  reserved: 'documentation or reserved',
};

/** 2000::/3, the only IPv6 block with globally routable unicast addresses. */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
/** NAT64 well-known prefix: the last 32 bits are the IPv4 address it stands for. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

function v4Of(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function v4Kind(address: ipaddr.IPv4): string | undefined {
  if (METADATA_ADDRESSES.has(address.toString())) return 'cloud metadata';
  const range = address.range();
  // Conservative: only what ipaddr.js calls plain unicast is public (no AS112, AMT, ...).
  if (range === 'unicast') return undefined;
  return V4_KINDS[range] ?? 'special-purpose';
}

function embedded(prefix: string, inner: string | undefined): string | undefined {
  return inner === undefined ? undefined : `${prefix} ${inner}`;
}

function v6Kind(address: ipaddr.IPv6): string | undefined {
  if (METADATA_ADDRESSES.has(address.toRFC5952String())) return 'cloud metadata';
  const parts = address.parts;
  const range = address.range();
  switch (range) {
    case 'ipv4Mapped':
      return embedded('IPv4-mapped', v4Kind(address.toIPv4Address()));
    case 'rfc6052':
      return address.match(NAT64_WELL_KNOWN)
        ? embedded('NAT64', v4Kind(v4Of(parts[6] ?? 0, parts[7] ?? 0)))
        : 'NAT64 local-use';
    case '6to4':
      return embedded('6to4', v4Kind(v4Of(parts[1] ?? 0, parts[2] ?? 0)));
    case 'unicast':
      if (address.match(GLOBAL_UNICAST_V6)) return undefined;
      // ::a.b.c.d (IPv4-compatible, deprecated) and the unassigned rest of the space.
      return parts.slice(0, 6).every((part) => part === 0) ? 'IPv4-compatible' : 'reserved';
    default:
      return V6_KINDS[range] ?? 'special-purpose';
  }
}

function parseAddress(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = ip.replace(/^\[(.*)\]$/, '$1');
  return ipaddr.isValid(bare) ? ipaddr.parse(bare) : undefined;
}

/**
 * What kind of non-public address `ip` is (`'loopback'`, `'private'`, ...), or undefined when
 * it is globally routable unicast. A string that is not an IP address is never public.
 */
export function nonPublicKind(ip: string): string | undefined {
  const address = parseAddress(ip);
  if (address === undefined) return 'invalid';
  return address.kind() === 'ipv4'
    ? v4Kind(address as ipaddr.IPv4)
    : v6Kind(address as ipaddr.IPv6);
}

export function isPublicAddress(ip: string): boolean {
  return nonPublicKind(ip) === undefined;
}

function withArticle(kind: string): string {
  return /^(?:[aeio]|IP|un(?!i))/i.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** `10.0.0.5, a private address`; undefined for a public address. */
export function describeNonPublic(ip: string): string | undefined {
  const kind = nonPublicKind(ip);
  return kind === undefined ? undefined : `${ip}, ${withArticle(kind)} address`;
}

/** Names that only mean something inside a network (RFC 6761, 6762, 8375 and common use). */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'localdomain', 'home.arpa', 'lan'];

/** The host as an IP address when it is one (bracketed IPv6 or dotted IPv4), else undefined. */
export function literalAddress(hostname: string): string | undefined {
  if (hostname.startsWith('[')) return hostname.replace(/^\[(.*)\]$/, '$1');
  const host = hostname.replace(/\.+$/, '');
  return ipaddr.IPv4.isValid(host) || ipaddr.IPv6.isValid(host) ? host : undefined;
}

/**
 * Refuses a URL host (as `new URL().hostname` gives it) that cannot be public whatever DNS
 * says: non-public IP literals, local names, and single-label names. WHATWG URL parsing has
 * already turned decimal, hex and octal IPv4 forms into dotted ones.
 */
export function hostProblem(hostname: string): string | undefined {
  const literal = literalAddress(hostname);
  if (literal !== undefined) {
    const what = describeNonPublic(literal);
    return what === undefined ? undefined : `points to ${what}; ${PUBLIC_ONLY}`;
  }
  const name = hostname.toLowerCase().replace(/\.+$/, '');
  if (name === '') return 'must name a host';
  const local = LOCAL_SUFFIXES.find((suffix) => name === suffix || name.endsWith(`.${suffix}`));
  if (local !== undefined) return `names a local host (${name}); ${PUBLIC_ONLY}`;
  if (!name.includes('.')) {
    return `must be a fully qualified public host name, not ${name}; ${PUBLIC_ONLY}`;
  }
  return undefined;
}
