/** What can be done to one endpoint from its page: its secret, a test event, a replay. */
import { useState } from 'preact/hooks';
import { api, type Endpoint, enc, type Job, type Problem } from '../api';
import { useSession } from '../session';
import { ConfirmButton, ProblemView, toProblem } from './common';
import { useCatalog } from './endpoint-form';
import { JobProgress } from './job';

export function SecretSection({ id }: { id: string }) {
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

export function TestSection({ endpoint, onSent }: { endpoint: Endpoint; onSent: () => void }) {
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

export function ReplaySection({ endpoint }: { endpoint: Endpoint }) {
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
