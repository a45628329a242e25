import { useState } from 'preact/hooks';
import { api, type EventDetail, type EventSummary, enc, type Page, withQuery } from '../api';
import {
  Badge,
  Json,
  PageHeading,
  ProblemView,
  TableWrap,
  Time,
  useLoad,
} from '../components/common';
import { useCatalog } from '../components/endpoint-form';
import { usePaging } from '../components/pager';
import { href } from '../router';
import { tenantQuery, useSession } from '../session';
import { TenantPicker } from './endpoints';

function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function EventsPage() {
  const session = useSession();
  const catalog = useCatalog();
  const [type, setType] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [filter, setFilter] = useState({ type: '', since: '', until: '' });
  const paging = usePaging();
  const { cursor } = paging;
  const events = useLoad(
    () =>
      api<Page<EventSummary>>(
        'GET',
        withQuery('/v1/events', {
          ...tenantQuery(session),
          type: filter.type,
          since: localToIso(filter.since),
          until: localToIso(filter.until),
          limit: 50,
          cursor,
        }),
      ),
    [session.tenant, filter, cursor],
  );
  const names = [...new Set(catalog.data?.data.map((e) => e.type) ?? [])];
  return (
    <>
      <PageHeading>Events</PageHeading>
      <div class="toolbar">
        <TenantPicker />
      </div>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          paging.reset();
          setFilter({ type, since, until });
        }}
      >
        <div>
          <label for="events-type">Type</label>
          <select id="events-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
            <option value="">Every type</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="events-since">From</label>
          <input
            id="events-since"
            type="datetime-local"
            value={since}
            onInput={(e) => setSince(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for="events-until">Before</label>
          <input
            id="events-until"
            type="datetime-local"
            value={until}
            onInput={(e) => setUntil(e.currentTarget.value)}
          />
        </div>
        <button type="submit">Filter</button>
      </form>
      <ProblemView problem={events.problem} />
      {events.data && events.data.data.length === 0 && <p class="empty">No events.</p>}
      {events.data && events.data.data.length > 0 && (
        <TableWrap label="Events">
          <table>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Type</th>
                <th scope="col">ID</th>
              </tr>
            </thead>
            <tbody>
              {events.data.data.map((e) => (
                <tr key={e.id}>
                  <td data-label="Time">
                    <Time iso={e.timestamp} />
                  </td>
                  <td data-label="Type">
                    <code>{e.type}</code>
                  </td>
                  <td data-label="ID">
                    <a href={`${href('events', e.id)}?tenant=${enc(e.tenant)}`}>{e.id}</a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {paging.controls(events.data?.nextCursor)}
    </>
  );
}

export function EventPage({ id, tenant }: { id: string; tenant: string | null }) {
  const session = useSession();
  const event = useLoad(
    () =>
      api<EventDetail>(
        'GET',
        withQuery(`/v1/events/${enc(id)}`, session.operator && tenant ? { tenant } : {}),
      ),
    [id, tenant],
  );
  const data = event.data;
  return (
    <>
      <p class="crumbs">
        <a href="#/events">Events</a> /
      </p>
      <PageHeading>Event {id}</PageHeading>
      <ProblemView problem={event.problem} />
      {data && (
        <>
          <dl class="details">
            <div>
              <dt>Type</dt>
              <dd>
                <code>{data.type}</code> v{data.version}
              </dd>
            </div>
            <div>
              <dt>Tenant</dt>
              <dd>{data.tenant}</dd>
            </div>
            <div>
              <dt>Time</dt>
              <dd>
                <Time iso={data.timestamp} />
              </dd>
            </div>
          </dl>
          <section aria-labelledby="deliveries-heading">
            <h2 id="deliveries-heading">Deliveries</h2>
            <button type="button" onClick={event.reload}>
              Refresh
            </button>
            {data.deliveries.length === 0 ? (
              <p class="empty">No endpoint subscribes to this event.</p>
            ) : (
              <TableWrap label="Deliveries">
                <table class="deliveries">
                  <thead>
                    <tr>
                      <th scope="col">Endpoint</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Last HTTP</th>
                      <th scope="col">Last error</th>
                      <th scope="col">Finished</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.deliveries.map((d) => (
                      <tr key={d.endpointId} data-endpoint-id={d.endpointId}>
                        <td data-label="Endpoint">
                          <a href={href('endpoints', d.endpointId)}>
                            <code>{d.endpointId}</code>
                          </a>
                        </td>
                        <td data-label="Status">
                          <Badge value={d.status} />
                          {d.reason && <span class="muted"> ({d.reason.replace(/_/g, ' ')})</span>}
                        </td>
                        <td data-label="Attempts">{d.attempts ?? '—'}</td>
                        <td data-label="Last HTTP">{d.lastStatus ?? '—'}</td>
                        <td data-label="Last error">{d.lastError ?? '—'}</td>
                        <td data-label="Finished">
                          <Time iso={d.finishedAt} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
          <section aria-labelledby="data-heading">
            <h2 id="data-heading">Data</h2>
            <Json value={data.data} label="Event data" />
          </section>
        </>
      )}
    </>
  );
}
