import { useState } from 'preact/hooks';
import { api, type Endpoint, enc, type Page, type Stats, withQuery } from '../api';
import { DeliveryChart } from '../components/chart';
import {
  Badge,
  formatMs,
  formatRatio,
  PageHeading,
  ProblemView,
  useLoad,
} from '../components/common';
import { EndpointForm } from '../components/endpoint-form';
import { href, navigate } from '../router';
import { tenantQuery, useSession } from '../session';

export function TenantPicker() {
  const session = useSession();
  const [value, setValue] = useState(session.tenant);
  if (!session.operator) return null;
  return (
    <form
      class="tenant-picker"
      onSubmit={(event) => {
        event.preventDefault();
        session.setTenant(value.trim() || 'default');
        session.announce(`Showing tenant ${value.trim() || 'default'}.`);
      }}
    >
      <label for="tenant">Tenant</label>
      <input
        id="tenant"
        type="text"
        value={value}
        onInput={(e) => setValue(e.currentTarget.value)}
      />
      <button type="submit">Show</button>
    </form>
  );
}

export function EndpointsPage() {
  const session = useSession();
  const [creating, setCreating] = useState(false);
  const list = useLoad(async () => {
    const all: Endpoint[] = [];
    let cursor: string | undefined;
    do {
      const page = await api<Page<Endpoint>>(
        'GET',
        withQuery('/v1/endpoints', { ...tenantQuery(session), limit: 100, cursor }),
      );
      all.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor && all.length < 500);
    return all;
  }, [session.tenant]);

  return (
    <>
      <PageHeading>Endpoints</PageHeading>
      <div class="toolbar">
        <TenantPicker />
        {!creating && (
          <button type="button" class="primary" onClick={() => setCreating(true)}>
            New endpoint
          </button>
        )}
      </div>
      {creating && (
        <section aria-labelledby="new-endpoint-heading">
          <h2 id="new-endpoint-heading">New endpoint</h2>
          <EndpointForm
            {...(session.operator && { tenant: session.tenant })}
            onCancel={() => setCreating(false)}
            onSaved={(saved) => {
              setCreating(false);
              session.announce(`Endpoint ${saved.id} created.`);
              navigate(href('endpoints', saved.id));
            }}
          />
        </section>
      )}
      <ProblemView problem={list.problem} />
      {list.loading && !list.data && <p>Loading endpoints…</p>}
      {list.data && list.data.length === 0 && (
        <p class="empty">No endpoints yet for tenant {session.tenant}.</p>
      )}
      {list.data && list.data.length > 0 && (
        <ul class="endpoint-list">
          {list.data.map((endpoint) => (
            <EndpointCard key={endpoint.id} endpoint={endpoint} />
          ))}
        </ul>
      )}
    </>
  );
}

function EndpointCard({ endpoint }: { endpoint: Endpoint }) {
  const stats = useLoad(
    () => api<Stats>('GET', `/v1/endpoints/${enc(endpoint.id)}/stats`),
    [endpoint.id],
  );
  const name = endpoint.description || endpoint.url || endpoint.id;
  return (
    <li class="card endpoint-card" data-endpoint-id={endpoint.id}>
      <h2 class="card-title">
        <a href={href('endpoints', endpoint.id)}>{name}</a>
      </h2>
      <p class="meta">
        <Badge value={endpoint.enabled ? 'enabled' : 'disabled'} /> {endpoint.type}
        {endpoint.url && endpoint.url !== name && (
          <>
            {' '}
            · <span class="url">{endpoint.url}</span>
          </>
        )}{' '}
        · <code>{endpoint.id}</code>
      </p>
      <ProblemView problem={stats.problem} />
      {stats.data && <HealthSummary stats={stats.data} compact />}
    </li>
  );
}

export function HealthSummary({ stats, compact = false }: { stats: Stats; compact?: boolean }) {
  const hour = stats.lastHour;
  return (
    <div class="health">
      <dl class="figures">
        <div>
          <dt>Success (1 h)</dt>
          <dd>{formatRatio(hour.successRatio)}</dd>
        </div>
        <div>
          <dt>Delivered / failed</dt>
          <dd>
            {hour.delivered} / {hour.failed}
          </dd>
        </div>
        <div>
          <dt>p50 · p95 · p99</dt>
          <dd>
            {formatMs(hour.latencyMs.p50)} · {formatMs(hour.latencyMs.p95)} ·{' '}
            {formatMs(hour.latencyMs.p99)}
          </dd>
        </div>
        <div>
          <dt>Dead letters (1 d)</dt>
          <dd>{stats.lastDay.deadLetters}</dd>
        </div>
        <div>
          <dt>Circuit</dt>
          <dd>{stats.circuit ? <Badge value={stats.circuit.state} /> : '—'}</dd>
        </div>
      </dl>
      <div class={compact ? 'charts compact' : 'charts'}>
        <DeliveryChart title="Last hour" buckets={stats.lastHour.buckets} hourly={false} />
        {!compact && <DeliveryChart title="Last day" buckets={stats.lastDay.buckets} hourly />}
      </div>
    </div>
  );
}
