import { useState } from 'react';
import type { LtiRegistrationInvite } from '@invigil/contracts';
import { ltiApi } from '../api/lti-api';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { CopyField } from '../ui/copy-field';
import { Section } from '../ui/page';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useNow } from '../ui/use-now';
import { validFor } from './lti-tool-model';

/**
 * LTI Dynamic Registration: a one-time URL (POST /api/lti/registration-invites) that an LMS
 * admin pastes into the LMS; the registration then completes itself (the platform list shows it
 * when it is next loaded).
 */
export function LtiRegistrationInviteSection() {
  const [invite, setInvite] = useState<LtiRegistrationInvite | null>(null);
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const now = useNow(60_000);

  const create = async () => {
    setPending(true);
    setFeedback(null);
    try {
      setInvite(await ltiApi.createInvite());
    } catch (error) {
      setFeedback({ tone: 'error', text: `No URL made: ${describeError(error)}` });
    } finally {
      setPending(false);
    }
  };

  return (
    <Section
      title="Dynamic registration"
      id="lti-dynamic"
      actions={
        <button
          type="button"
          className="button primary"
          disabled={pending}
          onClick={() => void create()}
        >
          {pending ? 'Making…' : invite ? 'Make another URL' : 'Make a registration URL'}
        </button>
      }
    >
      <p className="muted small" id="lti-dynamic-hint">
        The quickest way: make a one-time URL and paste it into the LMS (Moodle: Site administration
        › Plugins › External tool › Manage tools › Tool URL, then “Add LTI Advantage”; Canvas: Admin
        › Developer Keys › + Developer Key › + LTI Registration; Brightspace: Manage Extensibility ›
        LTI Advantage › Register Tool › Dynamic). The LMS and Invigil exchange everything themselves
        and the platform appears in the list below.
      </p>
      <StatusMessage feedback={feedback} />
      {invite ? (
        <div className="notice notice-success lti-invite">
          <CopyField
            label="Registration URL"
            value={invite.url}
            hint={
              <>
                Works once. {validFor(invite.expiresAt, now)} (until{' '}
                <time dateTime={invite.expiresAt}>{formatDateTime(invite.expiresAt)}</time>).
              </>
            }
          />
        </div>
      ) : null}
    </Section>
  );
}
