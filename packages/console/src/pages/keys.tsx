import { useState } from 'preact/hooks';
import { type ApiKey, type ApiKeyCreated, api, enc, type Page, type Problem } from '../api';
import {
  ConfirmButton,
  PageHeading,
  ProblemView,
  TableWrap,
  Time,
  toProblem,
  useLoad,
} from '../components/common';
import { useSession } from '../session';

export function KeysPage() {
  const session = useSession();
  const keys = useLoad(() => api<Page<ApiKey>>('GET', '/v1/api-keys'), []);
  const [scope, setScope] = useState<'publish' | 'admin'>('publish');
  const [tenant, setTenant] = useState('');
  const [description, setDescription] = useState('');
  const [created, setCreated] = useState<ApiKeyCreated | undefined>(undefined);
  const [copied, setCopied] = useState(false);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);

  return (
    <>
      <PageHeading>API keys</PageHeading>
      <section aria-labelledby="new-key-heading">
        <h2 id="new-key-heading">New key</h2>
        <form
          class="card form"
          onSubmit={async (event) => {
            event.preventDefault();
            setProblem(undefined);
            setCopied(false);
            try {
              const key = await api<ApiKeyCreated>('POST', '/v1/api-keys', {
                scope,
                ...(tenant.trim() && { tenant: tenant.trim() }),
                ...(description.trim() && { description: description.trim() }),
              });
              setCreated(key);
              setDescription('');
              session.announce('Key created. Copy it now: it is shown only once.');
              keys.reload();
            } catch (error) {
              setProblem(toProblem(error));
            }
          }}
        >
          <label for="key-scope">Scope</label>
          <select
            id="key-scope"
            value={scope}
            onChange={(e) => setScope(e.currentTarget.value as 'publish' | 'admin')}
          >
            <option value="publish">publish — may only publish events</option>
            <option value="admin">admin — may do everything</option>
          </select>
          <label for="key-tenant">Tenant (optional; confines the key to it)</label>
          <input
            id="key-tenant"
            type="text"
            value={tenant}
            onInput={(e) => setTenant(e.currentTarget.value)}
          />
          <label for="key-description">Description (optional)</label>
          <input
            id="key-description"
            type="text"
            maxLength={256}
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
          <ProblemView problem={problem} />
          <div class="actions">
            <button type="submit" class="primary">
              Create key
            </button>
          </div>
        </form>
        {created && (
          <div class="card warning" role="alert">
            <p>
              <strong>Copy this key now.</strong> It is shown only this once; Hookline keeps only
              its hash.
            </p>
            <p>
              <code class="secret" data-testid="new-key">
                {created.key}
              </code>
            </p>
            <div class="actions">
              <button
                type="button"
                onClick={async () => {
                  try {
                    await navigator.clipboard.writeText(created.key);
                    setCopied(true);
                    session.announce('Key copied.');
                  } catch {
                    session.announce('Copying failed: select the key and copy it by hand.');
                  }
                }}
              >
                {copied ? 'Copied' : 'Copy key'}
              </button>
              <button type="button" onClick={() => setCreated(undefined)}>
                I have stored it
              </button>
            </div>
          </div>
        )}
      </section>
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <ProblemView problem={keys.problem} />
        {keys.data && keys.data.data.length === 0 && <p class="empty">No keys.</p>}
        {keys.data && keys.data.data.length > 0 && (
          <TableWrap label="API keys">
            <table>
              <thead>
                <tr>
                  <th scope="col">Prefix</th>
                  <th scope="col">Scope</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">Description</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.data.map((key) => (
                  <tr key={key.id}>
                    <td data-label="Prefix">
                      <code>{key.prefix}</code>
                    </td>
                    <td data-label="Scope">{key.scope}</td>
                    <td data-label="Tenant">{key.tenant ?? 'every tenant'}</td>
                    <td data-label="Description">{key.description ?? '—'}</td>
                    <td data-label="Created">
                      <Time iso={key.createdAt} />
                    </td>
                    <td>
                      <ConfirmButton
                        label="Revoke"
                        confirmLabel="Revoke key"
                        question={`Revoke ${key.prefix}? Clients using it stop working.`}
                        onConfirm={async () => {
                          setProblem(undefined);
                          try {
                            await api('DELETE', `/v1/api-keys/${enc(key.id)}`);
                            session.announce(`Key ${key.prefix} revoked.`);
                            keys.reload();
                          } catch (error) {
                            setProblem(toProblem(error));
                          }
                        }}
                      />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
