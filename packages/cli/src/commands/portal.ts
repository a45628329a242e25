import type { Command } from 'commander';
import { type Context, contextOf, examples } from '../context.js';
import { durationOption } from '../durations.js';
import { formatTime } from '../output.js';

interface PortalSession {
  readonly id: string;
  readonly url: string;
  readonly token: string;
  readonly tenant: string;
  readonly expiresAt: string;
}

async function open(context: Context, tenant: string, options: { ttl?: string }): Promise<void> {
  const ttlSeconds =
    options.ttl === undefined ? undefined : Math.round(durationOption('--ttl', options.ttl) / 1000);
  const session = await (await context.api()).post<PortalSession>('/v1/portal-sessions', {
    tenant,
    ...(ttlSeconds !== undefined && { ttlSeconds }),
  });
  const { out } = context;
  out.data(session);
  out.line(
    `A portal for tenant ${session.tenant}, until ${formatTime(session.expiresAt)}. Anyone with this link manages that tenant's endpoints:`,
  );
  out.line();
  out.line(session.url);
  out.line();
}

export function registerPortal(program: Command): void {
  const portal = program
    .command('portal')
    .summary('open a tenant portal link')
    .description(
      'A link to the console confined to one tenant, for its people to manage their endpoints, see deliveries and retry; it works until it expires. Needs an operator admin key.',
    )
    .argument('<tenant>', 'the tenant the portal shows')
    .option('--ttl <duration>', 'how long the link works, e.g. 15m or 8h (default 1h, at most 1d)')
    .action((tenant: string, options: { ttl?: string }, cmd: Command) =>
      open(contextOf(cmd), tenant, options),
    );
  examples(portal, ['hookline portal acme', 'hookline portal acme --ttl 8h --json']);
}
