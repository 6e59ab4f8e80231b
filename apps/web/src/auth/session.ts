import { createContext, useContext } from 'react';
import type { LoginBody, SecondFactorState, SignupBody, User } from '@invigil/contracts';

/** Where the session stands. */
export type SessionState =
  | { status: 'loading' }
  | { status: 'signed-out'; reason?: 'expired' | 'signed-out' }
  | {
      status: 'signed-in';
      user: User;
      /** An admin set the password: the user must choose their own before anything else. */
      mustChangePassword: boolean;
      /** The session must prove (`verify`) or set up (`enrol`) a second factor first. */
      secondFactor: SecondFactorState | null;
    }
  | { status: 'error'; error: unknown };

/** The session plus the actions that change it. */
export interface SessionValue {
  state: SessionState;
  /** The signed-in user, or null. */
  user: User | null;
  login(body: LoginBody): Promise<User>;
  signup(body: SignupBody): Promise<User>;
  logout(): Promise<void>;
  /** Loads /api/auth/me again (after a failed start, or to pick up changes). */
  reload(): void;
  /** The user chose a new password: an admin-set one no longer blocks the app. */
  passwordChanged(): void;
  /** The second factor was proved or set up: the session owes nothing more. */
  secondFactorDone(): void;
}

/** React context carrying the session; provided by SessionProvider. */
export const SessionContext = createContext<SessionValue | null>(null);

/** The current session; must be used below SessionProvider. */
export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession must be used inside SessionProvider');
  return value;
}

/** The signed-in user; for use on pages that are only shown when signed in. */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser requires a signed-in user');
  return user;
}
