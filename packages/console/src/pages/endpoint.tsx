import { useState } from 'preact/hooks';
import {
  type Attempt,
  api,
  type Endpoint,
  enc,
  type Page,
  type Problem,
  type Stats,
  withQuery,
} from '../api';
import {
  Badge,
  ConfirmButton,
  formatMs,
  PageHeading,
  ProblemView,
  TableWrap,
  Time,
  toProblem,
  useLoad,
} from '../components/common';
import { ReplaySection, SecretSection, TestSection } from '../components/endpoint-actions';
import { EndpointForm } from '../components/endpoint-form';
import { usePaging } from '../components/pager';
import { navigate } from '../router';
import { useSession } from '../session';
import { HealthSummary } from './endpoints';

export function EndpointPage({ id }: { id: string }) {
  const session = useSession();
  const endpoint = useLoad(() => api<Endpoint>('GET', `/v1/endpoints/${enc(id)}`), [id]);
  const stats = useLoad(() => api<Stats>('GET', `/v1/endpoints/${enc(id)}/stats`), [id]);
  const [editing, setEditing] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [attemptsRound, setAttemptsRound] = useState(0);
  const data = endpoint.data;

  async function act(action: () => Promise<void>) {
    setProblem(undefined);
    try {
      await action();
    } catch (error) {
      setProblem(toProblem(error));
    }
  }

  const title = data ? data.description || data.url || data.id : 'Endpoint';
  return (
    <>
      <p class="crumbs">
        <a href="#/endpoints">Endpoints</a> /
      </p>
      <PageHeading>{title}</PageHeading>
      <ProblemView problem={endpoint.problem} />
      {data && (
        <>
          <dl class="details">
            <div>
              <dt>ID</dt>
              <dd>
                <code>{data.id}</code>
              </dd>
            </div>
            <div>
              <dt>State</dt>
              <dd>
                <Badge value={data.enabled ? 'enabled' : 'disabled'} />
                {data.disabledReason && <> ({data.disabledReason})</>}
              </dd>
            </div>
            <div>
              <dt>Type</dt>
              <dd>{data.type}</dd>
            </div>
            {data.url && (
              <div>
                <dt>URL</dt>
                <dd class="url">{data.url}</dd>
              </div>
            )}
            <div>
              <dt>Tenant</dt>
              <dd>{data.tenant}</dd>
            </div>
            <div>
              <dt>Event types</dt>
              <dd>{data.eventTypes?.length ? data.eventTypes.join(', ') : 'every type'}</dd>
            </div>
            {data.rateLimitPerSecond !== undefined && (
              <div>
                <dt>Rate limit</dt>
                <dd>{data.rateLimitPerSecond} per second</dd>
              </div>
            )}
          </dl>
          <div class="actions">
            <button type="button" onClick={() => setEditing(!editing)} aria-expanded={editing}>
              Edit
            </button>
            <button
              type="button"
              onClick={() =>
                act(async () => {
                  await api('PATCH', `/v1/endpoints/${enc(id)}`, { enabled: !data.enabled });
                  session.announce(data.enabled ? 'Endpoint disabled.' : 'Endpoint enabled.');
                  endpoint.reload();
                })
              }
            >
              {data.enabled ? 'Disable' : 'Enable'}
            </button>
            <ConfirmButton
              label="Delete"
              confirmLabel="Delete for good"
              question="Delete this endpoint? Deliveries to it stop."
              onConfirm={() =>
                act(async () => {
                  await api('DELETE', `/v1/endpoints/${enc(id)}`);
                  session.announce('Endpoint deleted.');
                  navigate('#/endpoints');
                })
              }
            />
          </div>
          <ProblemView problem={problem} />
          {editing && (
            <EndpointForm
              endpoint={data}
              onCancel={() => setEditing(false)}
              onSaved={() => {
                setEditing(false);
                session.announce('Endpoint saved.');
                endpoint.reload();
              }}
            />
          )}
        </>
      )}
      <section aria-labelledby="health-heading">
        <h2 id="health-heading">Health</h2>
        <ProblemView problem={stats.problem} />
        {stats.data && <HealthSummary stats={stats.data} />}
        <button
          type="button"
          onClick={() => {
            stats.reload();
            setAttemptsRound((n) => n + 1);
          }}
        >
          Refresh
        </button>
      </section>
      <AttemptLog id={id} round={attemptsRound} />
      {data && (
        <>
          <TestSection endpoint={data} onSent={() => setAttemptsRound((n) => n + 1)} />
          <SecretSection id={id} />
          <ReplaySection endpoint={data} />
        </>
      )}
    </>
  );
}

function AttemptLog({ id, round }: { id: string; round: number }) {
  const [status, setStatus] = useState('');
  const paging = usePaging();
  const { cursor } = paging;
  const attempts = useLoad(
    () =>
      api<Page<Attempt>>(
        'GET',
        withQuery(`/v1/endpoints/${enc(id)}/attempts`, { status, cursor, limit: 25 }),
      ),
    [id, status, cursor, round],
  );
  return (
    <section aria-labelledby="attempts-heading">
      <h2 id="attempts-heading">Attempt log</h2>
      <div class="inline-form">
        <label for="attempt-status">Show</label>
        <select
          id="attempt-status"
          value={status}
          onChange={(e) => {
            setStatus(e.currentTarget.value);
            paging.reset();
          }}
        >
          <option value="">All attempts</option>
          <option value="delivered">Delivered only</option>
          <option value="failed">Failed only</option>
        </select>
        <button type="button" onClick={attempts.reload}>
          Refresh attempts
        </button>
      </div>
      <ProblemView problem={attempts.problem} />
      {attempts.data && attempts.data.data.length === 0 && (
        <p class="empty">No attempts{status ? ` ${status}` : ''} yet.</p>
      )}
      {attempts.data && attempts.data.data.length > 0 && (
        <TableWrap label="Attempts">
          <table class="attempts">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Outcome</th>
                <th scope="col">HTTP</th>
                <th scope="col">Duration</th>
                <th scope="col">Event</th>
                <th scope="col">Error / response</th>
              </tr>
            </thead>
            <tbody>
              {attempts.data.data.map((a) => (
                <tr key={`${a.eventId}-${a.at}-${a.attempt ?? ''}`}>
                  <td data-label="When">
                    <Time iso={a.at} />
                    {a.attempt !== undefined && <span class="muted"> #{a.attempt}</span>}
                  </td>
                  <td data-label="Outcome">
                    <Badge value={a.outcome} />
                  </td>
                  <td data-label="HTTP">{a.status ?? '—'}</td>
                  <td data-label="Duration">{formatMs(a.durationMs)}</td>
                  <td data-label="Event">
                    <a href={`#/events/${enc(a.eventId)}`}>{a.eventType}</a>
                  </td>
                  <td data-label="Error / response" class="excerpt">
                    {a.error && <span class="error-text">{a.error}</span>}
                    {a.responseExcerpt && <code>{a.responseExcerpt}</code>}
                    {!a.error && !a.responseExcerpt && '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {paging.controls(attempts.data?.nextCursor)}
    </section>
  );
}
