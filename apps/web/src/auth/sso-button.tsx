import { useEffect, useRef } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { SsoOffer } from '@invigil/contracts';
import { SSO_START_PATH, ssoErrorMessage } from './sso-sign-in';

/**
 * Single sign-on on the sign-in page: the "Sign in with …" button when the server offers it,
 * and why the last attempt was refused when the provider's return brought the browser back
 * here (`?sso_error=`). The refusal is an alert that takes focus, so it is heard at once.
 */
export function SsoButton({ sso }: { sso: SsoOffer | undefined }) {
  const [params] = useSearchParams();
  const message = ssoErrorMessage(params.get('sso_error'));
  const alert = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (message) alert.current?.focus();
  }, [message]);

  if (!sso && !message) return null;
  return (
    <>
      {message ? (
        <p ref={alert} className="notice notice-error" role="alert" tabIndex={-1}>
          <span className="sr-only">Error: </span>
          {message}
        </p>
      ) : null}
      {sso ? (
        <div className="card">
          {/* A page load, not a script call: the server redirects to the provider. */}
          <a className="button secondary" href={SSO_START_PATH} style={{ width: '100%' }}>
            {sso.label}
          </a>
        </div>
      ) : null}
    </>
  );
}
