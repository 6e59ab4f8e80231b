import { useCallback, useState, type FormEvent } from 'react';
import type { SignupSettings } from '@invigil/contracts';
import { usersApi } from '../api/endpoints';
import { describeError, fieldIssues } from '../api/errors';
import { Checkbox, Field } from '../ui/field';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { useResource } from '../ui/use-resource';
import { parseDomains } from './domains';

function SettingsEditor({
  initial,
  onSaved,
}: {
  initial: SignupSettings;
  onSaved: (settings: SignupSettings) => void;
}) {
  const [enabled, setEnabled] = useState(initial.enabled);
  const [domains, setDomains] = useState(initial.allowedDomains.join('\n'));
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setPending(true);
    setError(undefined);
    setFeedback(null);
    const allowedDomains = parseDomains(domains);
    try {
      const saved = await usersApi.saveSignupSettings({ enabled, allowedDomains });
      setFeedback({ tone: 'success', text: 'Sign-up settings saved.' });
      onSaved(saved);
    } catch (err) {
      const problems = fieldIssues(err).map((issue) => {
        const domain = allowedDomains[Number(issue.path.split('.')[1])];
        return domain ? `${domain}: ${issue.message}` : issue.message;
      });
      if (problems.length > 0) {
        setError(problems.join('; '));
        setFeedback({ tone: 'error', text: 'Not saved. Correct the domains marked above.' });
      } else {
        setFeedback({ tone: 'error', text: `Not saved: ${describeError(err)}` });
      }
    } finally {
      setPending(false);
    }
  };

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-label="Self sign-up settings">
      <Checkbox
        label="Allow students to create their own accounts"
        checked={enabled}
        onChange={setEnabled}
      />
      <Field
        label="Allowed e-mail domains"
        hint="One per line, e.g. example.edu. Leave empty to allow any domain."
        error={error}
      >
        {(c) => (
          <textarea
            {...c}
            rows={3}
            className="mono"
            value={domains}
            disabled={!enabled}
            onChange={(e) => setDomains(e.target.value)}
          />
        )}
      </Field>
      <div className="form-actions">
        <button type="submit" className="button primary" disabled={pending}>
          {pending ? 'Saving…' : 'Save sign-up settings'}
        </button>
      </div>
      <StatusMessage feedback={feedback} />
    </form>
  );
}

/** Self sign-up settings: on/off and allowed e-mail domains (GET/PUT /api/settings/signup). */
export function SignupSettingsForm() {
  const load = useCallback((signal: AbortSignal) => usersApi.signupSettings(signal), []);
  const settings = useResource(load);
  return (
    <ResourceView resource={settings}>
      {(data) => (
        <SettingsEditor
          key={JSON.stringify(data)}
          initial={data}
          onSaved={(saved) => settings.mutate(() => saved)}
        />
      )}
    </ResourceView>
  );
}
