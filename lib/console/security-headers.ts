/**
 * The response headers of the console's static files, the same in local mode and on
 * CloudFront (whose response headers policy is built from these values). The console loads
 * nothing but its own files and calls only its own origin's API, so the policy allows
 * `'self'` and nothing inline.
 */

/** CSP `frame-ancestors`: no page may frame the console unless its origin is allowed. */
export function frameAncestors(allowedOrigins: readonly string[]): string {
  return allowedOrigins.length === 0 ? "'none'" : ["'self'", ...allowedOrigins].join(' ');
}

export function consoleContentSecurityPolicy(allowedOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${frameAncestors(allowedOrigins)}`,
  ].join('; ');
}

/** HSTS for a year: CloudFront serves the console over HTTPS only. */
export const STRICT_TRANSPORT_SECURITY_SECONDS = 31_536_000;

/**
 * Headers for each console file. `X-Frame-Options` can name no origin, so it is sent only
 * when no origin may frame the console (CSP's frame-ancestors governs where it is known).
 */
export function consoleSecurityHeaders(allowedOrigins: readonly string[]): Record<string, string> {
  return {
    'content-security-policy': consoleContentSecurityPolicy(allowedOrigins),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    ...(allowedOrigins.length === 0 && { 'x-frame-options': 'DENY' }),
  };
}
