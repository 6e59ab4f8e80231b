import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { LoginBody, MeResponse, SignupBody, User } from '@invigil/contracts';
import { ApiError, setCsrfToken, setUnauthenticatedHandler } from '../api/client';
import { authApi } from '../api/endpoints';
import { SessionContext, type SessionState, type SessionValue } from './session';

/** The signed-in state a who-am-I answer describes. */
const signedIn = (me: MeResponse): SessionState => ({
  status: 'signed-in',
  user: me.user,
  mustChangePassword: me.mustChangePassword,
  secondFactor: me.secondFactor ?? null,
});

/** Loads the session from /api/auth/me at start and provides login, sign-up and sign-out. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const queryClient = useQueryClient();

  useEffect(() => {
    const controller = new AbortController();
    authApi
      .me(controller.signal)
      .then((me) => {
        setCsrfToken(me.csrfToken);
        setState(signedIn(me));
      })
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status === 401) {
          setCsrfToken(null);
          setState({ status: 'signed-out' });
        } else {
          setState({ status: 'error', error });
        }
      });
    return () => controller.abort();
  }, [attempt]);

  useEffect(() => {
    setUnauthenticatedHandler(() => {
      setCsrfToken(null);
      // What was loaded belongs to who was signed in: never show it to the next person.
      queryClient.clear();
      setState({ status: 'signed-out', reason: 'expired' });
    });
    return () => setUnauthenticatedHandler(null);
  }, [queryClient]);

  const accept = useCallback((me: MeResponse): User => {
    setCsrfToken(me.csrfToken);
    setState(signedIn(me));
    return me.user;
  }, []);

  const login = useCallback(async (body: LoginBody) => accept(await authApi.login(body)), [accept]);
  const signup = useCallback(
    async (body: SignupBody) => accept(await authApi.signup(body)),
    [accept],
  );
  const logout = useCallback(async () => {
    try {
      await authApi.logout();
    } finally {
      setCsrfToken(null);
      queryClient.clear();
      setState({ status: 'signed-out', reason: 'signed-out' });
    }
  }, [queryClient]);
  const passwordChanged = useCallback(
    () =>
      setState((prev) =>
        prev.status === 'signed-in' ? { ...prev, mustChangePassword: false } : prev,
      ),
    [],
  );
  const secondFactorDone = useCallback(
    () =>
      setState((prev) => (prev.status === 'signed-in' ? { ...prev, secondFactor: null } : prev)),
    [],
  );
  const reload = useCallback(() => {
    setState({ status: 'loading' });
    setAttempt((n) => n + 1);
  }, []);

  const value = useMemo<SessionValue>(
    () => ({
      state,
      user: state.status === 'signed-in' ? state.user : null,
      login,
      signup,
      logout,
      reload,
      passwordChanged,
      secondFactorDone,
    }),
    [state, login, signup, logout, reload, passwordChanged, secondFactorDone],
  );

  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}
