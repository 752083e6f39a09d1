/** React bindings for the auth client: copy this file, it is all there is. */
import { createContext, useContext, useEffect, useSyncExternalStore, type ReactNode } from "react";
import type { AuthClient, AuthState } from "../auth";

const AuthContext = createContext<AuthClient | null>(null);

/** Starts the client (one silent refresh) and hands it to every `useAuth` below. */
export function AuthProvider({ client, children }: { client: AuthClient; children: ReactNode }) {
  useEffect(() => {
    void client.start();
  }, [client]);
  return <AuthContext.Provider value={client}>{children}</AuthContext.Provider>;
}

/** The current state (re-rendered on every change) and the client to act with. */
export function useAuth(): { state: AuthState; client: AuthClient } {
  const client = useContext(AuthContext);
  if (client === null) throw new Error("useAuth needs an <AuthProvider> above it");
  const state = useSyncExternalStore(client.subscribe, client.getState);
  return { state, client };
}
