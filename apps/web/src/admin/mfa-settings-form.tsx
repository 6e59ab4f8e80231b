import { useCallback, useState, type FormEvent } from 'react';
import type { MfaSettings } from '@invigil/contracts';
import { describeError } from '../api/errors';
import { mfaApi } from '../account/mfa-api';
import { Checkbox } from '../ui/field';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';

function Editor({ initial, onSaved }: { initial: MfaSettings; onSaved: (s: MfaSettings) => void }) {
  const [required, setRequired] = useState(initial.requireForStaff);
  const [pending, setPending] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setFeedback(null);
    try {
      const saved = await mfaApi.saveSettings({ requireForStaff: required });
      setFeedback({ tone: 'success', text: 'Two-step sign-in setting saved.' });
      onSaved(saved);
    } catch (error) {
      const code = (error as { code?: string }).code;
      setFeedback({
        tone: 'error',
        text:
          code === 'MFA_FACTOR_REQUIRED'
            ? 'Not saved: set up two-step sign-in for your own account first (Account page).'
            : `Not saved: ${describeError(error)}`,
      });
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Two-step sign-in policy">
      <Checkbox
        label="Require two-step sign-in for proctors, instructors and admins"
        checked={required}
        onChange={setRequired}
        hint="Staff without a second factor can then only set one up (an authenticator app, a passkey or a security key) until they have. Students may use two-step sign-in but are never required to."
      />
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save two-step sign-in setting'}
        </button>
      </div>
      <StatusMessage feedback={feedback} />
    </form>
  );
}

/** The "require a second factor of staff" policy (GET/PUT /api/settings/mfa). */
export function MfaSettingsForm() {
  const load = useCallback((signal: AbortSignal) => mfaApi.settings(signal), []);
  const settings = useResource(load);
  return (
    <ResourceView resource={settings}>
      {(data) => (
        // Not keyed by the data: saving must not remount the form and lose its message.
        <Editor initial={data} onSaved={(saved) => settings.mutate(() => saved)} />
      )}
    </ResourceView>
  );
}
