import { useState } from 'preact/hooks';
import {
  type Attempt,
  api,
  type Endpoint,
  enc,
  type Job,
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
import { EndpointForm, useCatalog } from '../components/endpoint-form';
import { JobProgress } from '../components/job';
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

function SecretSection({ id }: { id: string }) {
  const session = useSession();
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  async function reveal() {
    setProblem(undefined);
    try {
      const answer = await api<{ secret: string }>('GET', `/v1/endpoints/${enc(id)}/secret`);
      setSecret(answer.secret);
    } catch (error) {
      setProblem(toProblem(error));
    }
  }
  return (
    <section aria-labelledby="secret-heading">
      <h2 id="secret-heading">Signing secret</h2>
      <p class="help">
        Receivers verify each webhook's <code>webhook-signature</code> with this secret.
      </p>
      {secret && (
        <p>
          <code class="secret" data-testid="signing-secret">
            {secret}
          </code>{' '}
          <button type="button" onClick={() => void navigator.clipboard?.writeText(secret)}>
            Copy
          </button>
        </p>
      )}
      <div class="actions">
        {secret ? (
          <button type="button" onClick={() => setSecret(undefined)}>
            Hide secret
          </button>
        ) : (
          <button type="button" onClick={reveal}>
            Reveal secret
          </button>
        )}
        <ConfirmButton
          label="Rotate secret"
          confirmLabel="Rotate now"
          question="Make a new secret? The old one keeps signing for 24 hours."
          danger={false}
          onConfirm={async () => {
            setProblem(undefined);
            try {
              const answer = await api<{ secret: string }>(
                'POST',
                `/v1/endpoints/${enc(id)}/secret/rotate`,
                {},
              );
              setSecret(answer.secret);
              session.announce('Secret rotated; the new secret is shown.');
            } catch (error) {
              setProblem(toProblem(error));
            }
          }}
        />
      </div>
      <ProblemView problem={problem} />
    </section>
  );
}

function TestSection({ endpoint, onSent }: { endpoint: Endpoint; onSent: () => void }) {
  const session = useSession();
  const catalog = useCatalog();
  const [type, setType] = useState('');
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const types = [...new Set(catalog.data?.data.map((e) => e.type) ?? [])].filter(
    (t) => !endpoint.eventTypes?.length || endpoint.eventTypes.includes(t),
  );
  return (
    <section aria-labelledby="test-heading">
      <h2 id="test-heading">Send a test event</h2>
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          setProblem(undefined);
          try {
            const sent = await api<{ id: string }>(
              'POST',
              `/v1/endpoints/${enc(endpoint.id)}/test`,
              {
                ...(type && { eventType: type }),
              },
            );
            session.announce(`Test event ${sent.id} sent.`);
            setTimeout(onSent, 1500);
          } catch (error) {
            setProblem(toProblem(error));
          }
        }}
      >
        <label for="test-type">Event type</label>
        <select id="test-type" value={type} onChange={(e) => setType(e.currentTarget.value)}>
          <option value="">The first type it subscribes to</option>
          {types.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
        <button type="submit">Send test</button>
      </form>
      <ProblemView problem={problem} />
    </section>
  );
}

/** A `datetime-local` value as an ISO date-time in UTC. */
function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function isoToLocal(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function ReplaySection({ endpoint }: { endpoint: Endpoint }) {
  const session = useSession();
  const catalog = useCatalog();
  const [since, setSince] = useState(() => isoToLocal(new Date(Date.now() - 3600_000)));
  const [until, setUntil] = useState('');
  const [types, setTypes] = useState<string[]>([]);
  const [onlyFailed, setOnlyFailed] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const names = [...new Set(catalog.data?.data.map((e) => e.type) ?? [])];
  return (
    <section aria-labelledby="replay-heading">
      <h2 id="replay-heading">Replay</h2>
      <form
        class="card form"
        onSubmit={async (event) => {
          event.preventDefault();
          setProblem(undefined);
          try {
            const job = await api<Job>('POST', `/v1/endpoints/${enc(endpoint.id)}/replay`, {
              since: localToIso(since),
              ...(localToIso(until) && { until: localToIso(until) }),
              ...(types.length > 0 && { eventTypes: types }),
              onlyFailed,
            });
            setJobId(job.id);
            session.announce(`Replay job ${job.id} started.`);
          } catch (error) {
            setProblem(toProblem(error));
          }
        }}
      >
        <div class="row">
          <div>
            <label for="replay-since">Since</label>
            <input
              id="replay-since"
              type="datetime-local"
              required
              value={since}
              onInput={(e) => setSince(e.currentTarget.value)}
            />
          </div>
          <div>
            <label for="replay-until">Until (optional; now when empty)</label>
            <input
              id="replay-until"
              type="datetime-local"
              value={until}
              onInput={(e) => setUntil(e.currentTarget.value)}
            />
          </div>
        </div>
        <fieldset>
          <legend>Event types (none ticked: every type)</legend>
          {names.map((name) => (
            <label class="inline" key={name}>
              <input
                type="checkbox"
                checked={types.includes(name)}
                onChange={(e) =>
                  setTypes((current) =>
                    e.currentTarget.checked
                      ? [...current, name]
                      : current.filter((t) => t !== name),
                  )
                }
              />{' '}
              <code>{name}</code>
            </label>
          ))}
        </fieldset>
        <label class="inline">
          <input
            type="checkbox"
            checked={onlyFailed}
            onChange={(e) => setOnlyFailed(e.currentTarget.checked)}
          />{' '}
          Only deliveries that did not succeed
        </label>
        <ProblemView problem={problem} />
        <div class="actions">
          <button type="submit" class="primary">
            Replay
          </button>
        </div>
      </form>
      {jobId && <JobProgress key={jobId} jobId={jobId} />}
    </section>
  );
}

function AttemptLog({ id, round }: { id: string; round: number }) {
  const [status, setStatus] = useState('');
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [previous, setPrevious] = useState<(string | undefined)[]>([]);
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
            setCursor(undefined);
            setPrevious([]);
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
      <div class="pager">
        {previous.length > 0 && (
          <button
            type="button"
            onClick={() => {
              setCursor(previous[previous.length - 1]);
              setPrevious(previous.slice(0, -1));
            }}
          >
            Newer
          </button>
        )}
        {attempts.data?.nextCursor && (
          <button
            type="button"
            onClick={() => {
              setPrevious([...previous, cursor]);
              setCursor(attempts.data?.nextCursor);
            }}
          >
            Older
          </button>
        )}
      </div>
    </section>
  );
}
