import { useState } from 'preact/hooks';
import { api, type DeadLetter, type Job, type Page, type Problem, withQuery } from '../api';
import {
  ConfirmButton,
  PageHeading,
  ProblemView,
  TableWrap,
  Time,
  toProblem,
  useLoad,
} from '../components/common';
import { useCatalog } from '../components/endpoint-form';
import { JobProgress } from '../components/job';
import { usePaging } from '../components/pager';
import { href } from '../router';
import { useSession } from '../session';

const REASONS: Record<string, string> = {
  max_attempts: 'every attempt failed',
  circuit_open: 'the circuit was open',
  endpoint_gone: 'the endpoint was deleted',
  endpoint_disabled: 'the endpoint was disabled',
  dispatcher_failed: 'the dispatcher failed',
};

export function DeadLettersPage({ initialEndpointId }: { initialEndpointId: string }) {
  const session = useSession();
  const catalog = useCatalog();
  const [endpointId, setEndpointId] = useState(initialEndpointId);
  const [eventType, setEventType] = useState('');
  const [filter, setFilter] = useState({ endpointId: initialEndpointId, eventType: '' });
  const paging = usePaging();
  const { cursor } = paging;
  const [selected, setSelected] = useState<string[]>([]);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [jobId, setJobId] = useState<string | undefined>(undefined);
  const letters = useLoad(
    () =>
      api<Page<DeadLetter> & { queueDepth?: number }>(
        'GET',
        withQuery('/v1/dead-letters', { ...filter, limit: 100, cursor }),
      ),
    [filter, cursor],
  );
  const names = [...new Set(catalog.data?.data.map((e) => e.type) ?? [])];
  const rows = letters.data?.data ?? [];

  async function redrive(body: Record<string, unknown>, what: string) {
    setProblem(undefined);
    try {
      const job = await api<Job>('POST', '/v1/dead-letters/redrive', body);
      setJobId(job.id);
      setSelected([]);
      session.announce(`Redrive of ${what} started: job ${job.id}.`);
    } catch (error) {
      setProblem(toProblem(error));
    }
  }

  const filterBody = {
    ...(filter.endpointId && { endpointId: filter.endpointId }),
    ...(filter.eventType && { eventType: filter.eventType }),
  };
  const selectedIds = [...new Set(selected.map((key) => key.split('|')[0] ?? ''))];

  return (
    <>
      <PageHeading>Dead letters</PageHeading>
      <p>
        Deliveries that gave up, with why. Redrive puts them back on the delivery queue.
        {letters.data?.queueDepth !== undefined && (
          <>
            {' '}
            The dead-letter queue holds {letters.data.queueDepth}{' '}
            {letters.data.queueDepth === 1 ? 'message' : 'messages'}.
          </>
        )}
      </p>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          paging.reset();
          setSelected([]);
          setFilter({ endpointId: endpointId.trim(), eventType });
        }}
      >
        <div>
          <label for="dl-endpoint">Endpoint ID</label>
          <input
            id="dl-endpoint"
            type="text"
            value={endpointId}
            onInput={(e) => setEndpointId(e.currentTarget.value)}
          />
        </div>
        <div>
          <label for="dl-type">Event type</label>
          <select
            id="dl-type"
            value={eventType}
            onChange={(e) => setEventType(e.currentTarget.value)}
          >
            <option value="">Every type</option>
            {names.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </div>
        <button type="submit">Filter</button>
      </form>
      <div class="actions">
        <ConfirmButton
          label={
            filter.endpointId || filter.eventType
              ? 'Redrive all matching the filter'
              : 'Redrive all dead letters'
          }
          confirmLabel="Redrive them"
          question={`Send every dead letter${filter.endpointId || filter.eventType ? ' matching the filter' : ''} back to be delivered?`}
          danger={false}
          onConfirm={() => redrive(filterBody, 'the filtered dead letters')}
        />
        <button
          type="button"
          disabled={selected.length === 0}
          onClick={() =>
            redrive({ ...filterBody, ids: selectedIds }, `${selectedIds.length} selected`)
          }
        >
          Redrive selected ({selected.length})
        </button>
        <button type="button" onClick={letters.reload}>
          Refresh
        </button>
      </div>
      <ProblemView problem={problem} />
      {jobId && <JobProgress key={jobId} jobId={jobId} onDone={letters.reload} />}
      <ProblemView problem={letters.problem} />
      {letters.data && rows.length === 0 && <p class="empty">No dead letters.</p>}
      {rows.length > 0 && (
        <TableWrap label="Dead letters">
          <table class="dead-letters">
            <thead>
              <tr>
                <th scope="col">
                  <input
                    type="checkbox"
                    aria-label="Select every dead letter shown"
                    checked={selected.length === rows.length}
                    onChange={(e) =>
                      setSelected(
                        e.currentTarget.checked
                          ? rows.map((r) => `${r.eventId}|${r.endpointId}`)
                          : [],
                      )
                    }
                  />
                </th>
                <th scope="col">Dead-lettered</th>
                <th scope="col">Event</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Reason</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last HTTP</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const key = `${r.eventId}|${r.endpointId}`;
                return (
                  <tr key={key} data-event-id={r.eventId}>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${r.eventType} ${r.eventId}`}
                        checked={selected.includes(key)}
                        onChange={(e) =>
                          setSelected((current) =>
                            e.currentTarget.checked
                              ? [...current, key]
                              : current.filter((k) => k !== key),
                          )
                        }
                      />
                    </td>
                    <td data-label="Dead-lettered">
                      <Time iso={r.deadLetteredAt} />
                    </td>
                    <td data-label="Event">
                      <a href={href('events', r.eventId)}>{r.eventType}</a>
                    </td>
                    <td data-label="Endpoint">
                      <a href={href('endpoints', r.endpointId)}>
                        <code>{r.endpointId}</code>
                      </a>
                    </td>
                    <td data-label="Reason" class="reason">
                      {r.reason.replace(/_/g, ' ')}
                      {REASONS[r.reason] && <span class="muted"> — {REASONS[r.reason]}</span>}
                    </td>
                    <td data-label="Attempts">{r.attempts}</td>
                    <td data-label="Last HTTP">{r.lastStatus ?? '—'}</td>
                    <td data-label="Last error">{r.lastError ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
      {paging.controls(letters.data?.nextCursor)}
    </>
  );
}
