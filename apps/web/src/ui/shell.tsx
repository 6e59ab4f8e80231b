import { useState } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import type { Role } from '@invigil/contracts';
import { useUser, useSession } from '../auth/session';
import { isStaff } from '../auth/roles';
import { ROLE_LABELS } from '../auth/role-labels';

interface NavItem {
  to: string;
  label: string;
  end?: boolean;
}

/** The navigation links a role sees. */
export function navFor(role: Role): NavItem[] {
  switch (role) {
    case 'student':
      return [{ to: '/student', label: 'My exams' }];
    case 'proctor':
      return [{ to: '/proctor', label: 'Assigned exams' }];
    case 'instructor':
      return [{ to: '/admin/exams', label: 'Exams' }];
    case 'admin':
      return [
        { to: '/admin/exams', label: 'Exams' },
        { to: '/admin/users', label: 'Users' },
        { to: '/admin/audit', label: 'Audit log' },
        { to: '/admin/webhooks', label: 'Webhooks' },
        { to: '/admin/lti', label: 'LMS (LTI)' },
        { to: '/admin/system', label: 'System' },
      ];
  }
}

/** The signed-in layout: skip link, header with navigation and sign-out, and the main area. */
export function Shell() {
  const user = useUser();
  const { logout } = useSession();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = useState(false);

  const signOut = async () => {
    setSigningOut(true);
    try {
      await logout();
    } catch {
      // The local session is cleared either way.
    }
    navigate('/signin', { replace: true, state: { signedOut: true } });
  };

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="header">
        <div className="header-inner">
          <NavLink to="/" className="brand">
            <span className="brand-mark" aria-hidden="true" />
            Invigil
          </NavLink>
          <nav aria-label="Main" className="nav">
            <ul>
              {navFor(user.role).map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to} end={item.end}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
              <li>
                <NavLink to="/account">Account</NavLink>
              </li>
              {isStaff(user.role) ? (
                <li>
                  <a href="/api/docs" target="_blank" rel="noreferrer">
                    API docs<span className="sr-only"> (opens in a new tab)</span>
                  </a>
                </li>
              ) : null}
            </ul>
          </nav>
          <div className="user-box">
            <span className="user-name">
              {user.name}
              <span className="user-role">{ROLE_LABELS[user.role]}</span>
            </span>
            <button
              type="button"
              className="button secondary small"
              onClick={() => void signOut()}
              disabled={signingOut}
            >
              {signingOut ? 'Signing out…' : 'Sign out'}
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="footer">
        <p>Invigil · times are shown in your local time zone</p>
      </footer>
    </div>
  );
}

/** The layout of the public pages (sign-in, sign-up). */
export function PublicShell() {
  return (
    <div className="app public">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <main id="main" className="main narrow" tabIndex={-1}>
        <p className="brand public-brand">
          <span className="brand-mark" aria-hidden="true" />
          Invigil
        </p>
        <Outlet />
      </main>
    </div>
  );
}
