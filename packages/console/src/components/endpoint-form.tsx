import { useState } from 'preact/hooks';
import { api, type CatalogEntry, type Endpoint, type Page, type Problem } from '../api';
import { ProblemView, toProblem, useLoad } from './common';

export function useCatalog() {
  return useLoad(() => api<Page<CatalogEntry>>('GET', '/v1/event-types'), []);
}

/** Create (no `endpoint`) or edit an endpoint. */
export function EndpointForm({
  endpoint,
  tenant,
  onSaved,
  onCancel,
}: {
  endpoint?: Endpoint;
  tenant?: string;
  onSaved: (saved: Endpoint & { secret?: string }) => void;
  onCancel: () => void;
}) {
  const catalog = useCatalog();
  const [type, setType] = useState<'push' | 'polling'>(endpoint?.type ?? 'push');
  const [url, setUrl] = useState(endpoint?.url ?? '');
  const [description, setDescription] = useState(endpoint?.description ?? '');
  const [eventTypes, setEventTypes] = useState<string[]>(endpoint?.eventTypes ?? []);
  const [rate, setRate] = useState(endpoint?.rateLimitPerSecond?.toString() ?? '');
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const prefix = endpoint ? `edit-${endpoint.id}` : 'new-endpoint';

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setProblem(undefined);
    try {
      const rateLimit = rate.trim() === '' ? undefined : Number(rate);
      let saved: Endpoint;
      if (endpoint) {
        saved = await api<Endpoint>('PATCH', `/v1/endpoints/${encodeURIComponent(endpoint.id)}`, {
          ...(endpoint.type === 'push' && { url: url.trim() }),
          description: description.trim() || null,
          eventTypes: eventTypes.length > 0 ? eventTypes : null,
          ...(endpoint.type === 'push' && { rateLimitPerSecond: rateLimit ?? null }),
        });
      } else {
        saved = await api<Endpoint>('POST', '/v1/endpoints', {
          ...(type === 'polling' ? { type: 'polling' } : { url: url.trim() }),
          ...(tenant && { tenant }),
          ...(description.trim() && { description: description.trim() }),
          ...(eventTypes.length > 0 && { eventTypes }),
          ...(type === 'push' && rateLimit !== undefined && { rateLimitPerSecond: rateLimit }),
        });
      }
      onSaved(saved);
    } catch (error) {
      setProblem(toProblem(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      class="card form"
      onSubmit={submit}
      aria-label={endpoint ? 'Edit endpoint' : 'New endpoint'}
    >
      {!endpoint && (
        <fieldset>
          <legend>Delivery</legend>
          <label class="inline">
            <input
              type="radio"
              name={`${prefix}-type`}
              value="push"
              checked={type === 'push'}
              onChange={() => setType('push')}
            />{' '}
            Push to a URL
          </label>
          <label class="inline">
            <input
              type="radio"
              name={`${prefix}-type`}
              value="polling"
              checked={type === 'polling'}
              onChange={() => setType('polling')}
            />{' '}
            Polling (the receiver reads a feed)
          </label>
        </fieldset>
      )}
      {type === 'push' && (
        <>
          <label for={`${prefix}-url`}>Endpoint URL</label>
          <input
            id={`${prefix}-url`}
            type="url"
            required
            value={url}
            placeholder="https://example.com/webhooks"
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        </>
      )}
      <label for={`${prefix}-description`}>Description (optional)</label>
      <input
        id={`${prefix}-description`}
        type="text"
        maxLength={500}
        value={description}
        onInput={(e) => setDescription(e.currentTarget.value)}
      />
      {type === 'push' && (
        <>
          <label for={`${prefix}-rate`}>Rate limit per second (optional)</label>
          <input
            id={`${prefix}-rate`}
            type="number"
            min={1}
            max={10000}
            inputMode="numeric"
            value={rate}
            onInput={(e) => setRate(e.currentTarget.value)}
          />
        </>
      )}
      <fieldset>
        <legend>Event types (none ticked: every type)</legend>
        <ProblemView problem={catalog.problem} />
        {[...new Set(catalog.data?.data.map((entry) => entry.type) ?? [])].map((name) => (
          <label class="inline" key={name}>
            <input
              type="checkbox"
              name="eventTypes"
              value={name}
              checked={eventTypes.includes(name)}
              onChange={(e) =>
                setEventTypes((current) =>
                  e.currentTarget.checked ? [...current, name] : current.filter((t) => t !== name),
                )
              }
            />{' '}
            <code>{name}</code>
          </label>
        ))}
      </fieldset>
      <ProblemView problem={problem} />
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {endpoint ? 'Save changes' : 'Create endpoint'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
