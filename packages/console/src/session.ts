import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Credential, Me } from './api';

export interface Session {
  readonly credential: Credential;
  readonly me: Me;
  /** An operator key (admin, no tenant): may choose the tenant and manage API keys. */
  readonly operator: boolean;
  /** The tenant acted on: the key's own, or the operator's choice. */
  readonly tenant: string;
  setTenant(tenant: string): void;
  /** Says something in the status (aria-live) region. */
  announce(message: string): void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('no session');
  return session;
}

/** The `tenant` query parameter: only an operator names one; a confined key has its own. */
export function tenantQuery(session: Session): { tenant?: string } {
  return session.operator ? { tenant: session.tenant } : {};
}
