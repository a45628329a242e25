import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  api,
  type Credential,
  clearCredential,
  loadCredential,
  type Me,
  onUnauthorized,
  saveCredential,
} from './api';
import { formatTime, PageHeading, ProblemView, toProblem } from './components/common';
import { CatalogPage } from './pages/catalog';
import { DeadLettersPage } from './pages/dead-letters';
import { EndpointPage } from './pages/endpoint';
import { EndpointsPage } from './pages/endpoints';
import { EventPage, EventsPage } from './pages/events';
import { KeysPage } from './pages/keys';
import { type Route, useRoute } from './router';
import { type Session, SessionContext } from './session';
import { tabStore } from './storage';
import { ThemeToggle } from './theme';

const TENANT_KEY = 'hookline.tenant';

/**
 * Takes a portal link's token out of the address bar (`#portal=<token>`) into sessionStorage,
 * before anything renders.
 */
export function takePortalToken(): void {
  const match = /^#portal=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  saveCredential({ token: decodeURIComponent(match[1]), portal: true });
  history.replaceState(null, '', `${location.pathname}${location.search}#/endpoints`);
}

type State =
  | { kind: 'checking' }
  | { kind: 'signed-out'; message?: string }
  | { kind: 'signed-in'; credential: Credential; me: Me };

export function App() {
  const [state, setState] = useState<State>(() =>
    loadCredential() ? { kind: 'checking' } : { kind: 'signed-out' },
  );
  const [status, setStatus] = useState('');

  useEffect(() => {
    onUnauthorized((credential) => {
      clearCredential();
      setState({
        kind: 'signed-out',
        message: credential.portal
          ? 'The portal link has expired or is no longer valid. Ask for a new link.'
          : 'Your API key was not accepted (it may have been revoked). Sign in again.',
      });
    });
    const credential = loadCredential();
    if (credential) void check(credential);
  }, []);

  async function check(credential: Credential): Promise<void> {
    try {
      const me = await api<Me>('GET', '/v1/me', undefined, credential);
      saveCredential(credential);
      setState({ kind: 'signed-in', credential, me });
    } catch (error) {
      clearCredential();
      const problem = toProblem(error);
      setState({
        kind: 'signed-out',
        message:
          problem.status === 401 && credential.portal
            ? 'The portal link has expired or is no longer valid. Ask for a new link.'
            : problem.status === 401
              ? 'That key was not accepted (HTTP 401). Check it and try again.'
              : problem.status === 403
                ? 'This key may not use the console (a publish key?). Use an admin key.'
                : `${problem.title}${problem.detail ? `: ${problem.detail}` : ''}`,
      });
    }
  }

  function signOut(message?: string): void {
    clearCredential();
    tabStore.remove(TENANT_KEY);
    setState({ kind: 'signed-out', ...(message && { message }) });
    if (!location.hash.startsWith('#/')) location.hash = '#/endpoints';
  }

  return (
    <>
      <button type="button" class="skip-link" onClick={skipToMain}>
        Skip to content
      </button>
      {state.kind === 'signed-in' ? (
        <SignedIn
          credential={state.credential}
          me={state.me}
          onSignOut={() => signOut('You have signed out.')}
          announce={setStatus}
        />
      ) : (
        <>
          <header class="site-header">
            <span class="brand">Hookline</span>
            <ThemeToggle />
          </header>
          <main id="main">
            {state.kind === 'checking' ? (
              <>
                <PageHeading>Hookline console</PageHeading>
                <p>Checking your credential…</p>
              </>
            ) : (
              <SignIn message={state.message} onCredential={check} />
            )}
          </main>
        </>
      )}
      <div class="visually-hidden" role="status" aria-live="polite" id="status">
        {status}
      </div>
    </>
  );
}

function skipToMain(): void {
  document.getElementById('page-heading')?.focus();
}

function SignIn({
  message,
  onCredential,
}: {
  message: string | undefined;
  onCredential: (credential: Credential) => Promise<void>;
}) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLDivElement>(null);
  useEffect(() => {
    heading.current?.querySelector('h1')?.focus();
  }, []);
  return (
    <div ref={heading} class="sign-in">
      <PageHeading>Sign in to Hookline</PageHeading>
      {message && (
        <p class="notice" role="alert">
          {message}
        </p>
      )}
      <form
        class="card form"
        onSubmit={async (event) => {
          event.preventDefault();
          if (!key.trim()) return;
          setBusy(true);
          await onCredential({ token: key.trim(), portal: false });
          setBusy(false);
        }}
      >
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          value={key}
          onInput={(event) => setKey(event.currentTarget.value)}
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" class="help">
          An admin key (<code>hk_admin_…</code>). It is kept in this tab only and forgotten when you
          sign out or close the tab.
        </p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </div>
  );
}

function SignedIn({
  credential,
  me,
  onSignOut,
  announce,
}: {
  credential: Credential;
  me: Me;
  onSignOut: () => void;
  announce: (message: string) => void;
}) {
  const operator = me.scope === 'admin' && !me.tenant && !credential.portal;
  const [tenant, setTenantState] = useState(
    () => me.tenant ?? tabStore.get(TENANT_KEY) ?? 'default',
  );
  const route = useRoute();
  const session = useMemo<Session>(
    () => ({
      credential,
      me,
      operator,
      tenant,
      setTenant(next: string) {
        if (!operator) return;
        tabStore.set(TENANT_KEY, next);
        setTenantState(next);
      },
      announce(message: string) {
        announce('');
        setTimeout(() => announce(message), 50);
      },
    }),
    [credential, me, operator, tenant, announce],
  );
  const hash = `${route.parts.join('/')}?${route.query.toString()}`;
  const first = useRef(true);
  useEffect(() => {
    // Focus goes to the new page's heading, so screen readers start there.
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById('page-heading')?.focus();
  }, [hash]);
  const section = route.parts[0] ?? 'endpoints';
  const portal = credential.portal || me.scope === 'portal';
  const links: [string, string][] = [
    ['endpoints', 'Endpoints'],
    ['events', 'Events'],
    ['dead-letters', 'Dead letters'],
    ['catalog', 'Catalog'],
    ...(operator ? ([['keys', 'API keys']] as [string, string][]) : []),
  ];
  return (
    <SessionContext.Provider value={session}>
      <header class="site-header">
        <span class="brand">
          Hookline <span class="brand-sub">{portal ? 'portal' : 'console'}</span>
        </span>
        <p class="who">
          {portal ? (
            <>
              Tenant <strong>{me.tenant}</strong>
              {me.expiresAt && (
                <>
                  {' '}
                  · link expires <time dateTime={me.expiresAt}>{formatTime(me.expiresAt)}</time>
                </>
              )}
            </>
          ) : me.tenant ? (
            <>
              Admin key for tenant <strong>{me.tenant}</strong>
            </>
          ) : (
            <>Operator</>
          )}
        </p>
        <div class="header-actions">
          <ThemeToggle />
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
        <nav aria-label="Main">
          <ul>
            {links.map(([path, label]) => (
              <li key={path}>
                <a href={`#/${path}`} aria-current={section === path ? 'page' : undefined}>
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main">
        <Page route={route} operator={operator} />
      </main>
    </SessionContext.Provider>
  );
}

function Page({ route, operator }: { route: Route; operator: boolean }) {
  const [section = 'endpoints', id] = route.parts;
  switch (section) {
    case 'endpoints':
      return id ? <EndpointPage key={id} id={id} /> : <EndpointsPage />;
    case 'events':
      return id ? (
        <EventPage key={id} id={id} tenant={route.query.get('tenant')} />
      ) : (
        <EventsPage />
      );
    case 'dead-letters':
      return <DeadLettersPage initialEndpointId={route.query.get('endpointId') ?? ''} />;
    case 'catalog':
      return <CatalogPage />;
    case 'keys':
      if (operator) return <KeysPage />;
      break;
  }
  return (
    <>
      <PageHeading>Not found</PageHeading>
      <ProblemView
        problem={{
          title: 'There is no such page',
          status: 404,
          detail: `Nothing is at #/${route.parts.join('/')}.`,
        }}
      />
      <p>
        <a href="#/endpoints">Go to the endpoints</a>
      </p>
    </>
  );
}
