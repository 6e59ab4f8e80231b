import { Link, Navigate, Outlet, useLocation } from 'react-router-dom';
import type { Role } from '@invigil/contracts';
import { ErrorState, Loading } from '../ui/states';
import { Page } from '../ui/page';
import { PasswordChangeRequired } from './password-change-required';
import { SecondFactorEnrolment } from './second-factor-enrolment';
import { SecondFactorStep } from './second-factor-step';
import { afterSignInPath, homePath } from './roles';
import { useSession, useUser } from './session';

/** What the sign-in page receives when it was sent there. */
export interface SignInState {
  from?: string;
  expired?: boolean;
  signedOut?: boolean;
  /** A new password was just set with a reset link. */
  passwordReset?: boolean;
}

function Starting() {
  const { state, reload } = useSession();
  return (
    <main id="main" className="main narrow">
      {state.status === 'error' ? (
        <>
          <h1>Invigil</h1>
          <ErrorState error={state.error} onRetry={reload} />
        </>
      ) : (
        <Loading label="Loading Invigil…" />
      )}
    </main>
  );
}

/** Renders child routes only when signed in; otherwise sends the visitor to /signin. */
export function RequireSignedIn() {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading' || state.status === 'error') return <Starting />;
  if (state.status === 'signed-out') {
    const signInState: SignInState = {
      from: `${location.pathname}${location.search}`,
      expired: state.reason === 'expired',
      signedOut: state.reason === 'signed-out',
    };
    return <Navigate to="/signin" replace state={signInState} />;
  }
  // The order the server checks them in: the second factor, the password, then enrolment.
  if (state.secondFactor === 'verify') return <SecondFactorStep />;
  if (state.mustChangePassword) return <PasswordChangeRequired />;
  if (state.secondFactor === 'enrol') return <SecondFactorEnrolment />;
  return <Outlet />;
}

/** Renders child routes for the given roles; others see an explanation. */
export function RequireRole({ roles }: { roles: readonly Role[] }) {
  const user = useUser();
  if (!roles.includes(user.role)) {
    return (
      <Page title="Not available">
        <p>Your account ({user.role}) cannot open this page.</p>
        <p>
          <Link to={homePath(user.role)}>Go to your start page</Link>
        </p>
      </Page>
    );
  }
  return <Outlet />;
}

/** Public pages (sign-in, sign-up): a signed-in visitor goes to their start page. */
export function PublicOnly() {
  const { state } = useSession();
  const location = useLocation();
  if (state.status === 'loading' || state.status === 'error') return <Starting />;
  if (state.status === 'signed-in') {
    const from = (location.state as SignInState | null)?.from;
    return <Navigate to={afterSignInPath(state.user.role, from)} replace />;
  }
  return <Outlet />;
}

/** `/`: the start page for the role, or sign-in. */
export function HomeRedirect() {
  const { user } = useSession();
  return <Navigate to={user ? homePath(user.role) : '/signin'} replace />;
}
