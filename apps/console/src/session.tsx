import { createContext, ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { GridexClient } from '@gridex/sdk';

/** Who is signed in, as the gateway says (`GET /v1/me`). */
export interface Identity {
  keyId: string;
  tenantId: string;
  role: string;
  pending?: boolean;
}

interface Session {
  client: GridexClient;
  identity: Identity;
}

interface SessionApi {
  session?: Session;
  /** Checks the key with the gateway and keeps it for this page only. */
  signIn(apiKey: string): Promise<void>;
  signOut(): void;
}

const SessionContext = createContext<SessionApi | undefined>(undefined);

/** The gateway that served this page: the console calls the API on its own origin. */
const API_ORIGIN = window.location.origin;

/**
 * The API key lives in this component's state and nowhere else: not in local or session storage, not in a cookie
 * script can read. Reloading the page signs out; that is the price of a key no injected script can find later.
 */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session>();
  const signIn = useCallback(async (apiKey: string) => {
    const client = new GridexClient({ baseUrl: API_ORIGIN, apiKey, retries: 1 });
    const identity = await client.me();
    setSession({ client, identity });
  }, []);
  const signOut = useCallback(() => setSession(undefined), []);
  const value = useMemo(() => ({ session, signIn, signOut }), [session, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionApi(): SessionApi {
  const api = useContext(SessionContext);
  if (!api) throw new Error('useSessionApi outside SessionProvider');
  return api;
}

/** The signed-in session; pages behind sign-in only. */
export function useSession(): Session {
  const { session } = useSessionApi();
  if (!session) throw new Error('no session: this page needs a signed-in key');
  return session;
}
