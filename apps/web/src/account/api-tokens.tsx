import { useCallback, useState, type FormEvent } from 'react';
import type { ApiToken, CreatedToken, Role, TokenScope } from '@invigil/contracts';
import { tokensApi } from '../api/endpoints';
import { describeError, fieldErrors } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { Checkbox, Field } from '../ui/field';
import { ResourceView } from '../ui/states';
import { StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useResource } from '../ui/use-resource';
import { NewTokenSecret } from './new-token-secret';
import { SCOPE_LABELS, scopesFor } from './token-scopes';
import { expiryChoiceLabel, expiryChoices, tokenExpiryText } from './token-expiry';
import { usePublicSettings } from '../auth/use-public-settings';

/** API_TOKEN_DEFAULT_DAYS and API_TOKEN_MAX_DAYS as the server ships them. */
const DEFAULT_DAYS = { default: 90, max: 365 };

/** Personal API tokens: create with scopes, see the secret once, revoke. */
export function ApiTokens({ role }: { role: Role }) {
  const load = useCallback((signal: AbortSignal) => tokensApi.list(signal), []);
  const tokens = useResource(load);
  // The server's lifetimes; until they load, the defaults it ships with.
  const lifetimes = usePublicSettings().settings?.apiTokenDays ?? DEFAULT_DAYS;
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<TokenScope[]>([]);
  const [days, setDays] = useState<number | null>(null);
  const [pending, setPending] = useState<string | null>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [feedback, setFeedback] = useState<Feedback | null>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const local: Record<string, string> = {};
    if (!name.trim()) local.name = 'Give the token a name.';
    if (scopes.length === 0) local.scopes = 'Choose at least one scope.';
    const expiresInDays = days ?? lifetimes.default;
    setErrors(local);
    if (Object.keys(local).length > 0) {
      setFeedback({ tone: 'error', text: 'Please correct the fields marked below.' });
      return;
    }
    setPending('create');
    setFeedback(null);
    setCreated(null);
    try {
      const result = await tokensApi.create({ name: name.trim(), scopes, expiresInDays });
      setCreated(result);
      setName('');
      setScopes([]);
      setDays(null);
      setFeedback({ tone: 'success', text: `Token “${result.apiToken.name}” created.` });
      tokens.reload();
    } catch (error) {
      setErrors(fieldErrors(error));
      setFeedback({ tone: 'error', text: `Token not created: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const revoke = async (token: ApiToken) => {
    setPending(token.id);
    setFeedback(null);
    try {
      await tokensApi.revoke(token.id);
      setFeedback({ tone: 'success', text: `Token “${token.name}” revoked.` });
      tokens.reload();
    } catch (error) {
      setFeedback({ tone: 'error', text: `Not revoked: ${describeError(error)}` });
    } finally {
      setPending(null);
    }
  };

  const columns: Column<ApiToken>[] = [
    { header: 'Name', cell: (t) => <span id={`token-${t.id}`}>{t.name}</span> },
    { header: 'Scopes', cell: (t) => <span className="small mono">{t.scopes.join(', ')}</span> },
    { header: 'Created', cell: (t) => formatDateTime(t.createdAt) },
    { header: 'Expires', cell: (t) => tokenExpiryText(t.expiresAt) },
    { header: 'Last used', cell: (t) => (t.lastUsedAt ? formatDateTime(t.lastUsedAt) : 'Never') },
    {
      header: 'Actions',
      hideHeader: true,
      className: 'actions',
      cell: (t) =>
        t.revokedAt ? (
          <span className="badge badge-archived">Revoked</span>
        ) : (
          <ConfirmButton
            label="Revoke"
            question={`Revoke “${t.name}”? Scripts using it stop working.`}
            confirmLabel="Revoke"
            className="button danger small"
            pending={pending === t.id}
            pendingLabel="Revoking…"
            disabled={pending !== null}
            describedBy={`token-${t.id}`}
            onConfirm={() => void revoke(t)}
          />
        ),
    },
  ];

  const toggle = (scope: TokenScope, on: boolean) =>
    setScopes((prev) => (on ? [...prev, scope] : prev.filter((s) => s !== scope)));

  return (
    <>
      <p className="muted">
        Tokens let scripts call the API as you: send{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. See the{' '}
        <a href="/api/docs">API documentation</a>.
      </p>
      <StatusMessage feedback={feedback} />
      {created ? <NewTokenSecret created={created} onDismiss={() => setCreated(null)} /> : null}
      <ResourceView resource={tokens} empty="You have no API tokens.">
        {(list) => (
          <Table caption="API tokens" columns={columns} rows={list} rowKey={(t) => t.id} />
        )}
      </ResourceView>
      <form
        className="form subform"
        onSubmit={(e) => void create(e)}
        aria-label="Create API token"
        noValidate
      >
        <h3>New token</h3>
        <div className="grid-2">
          <Field label="Name" hint="What the token is for, e.g. “LMS sync”." error={errors.name}>
            {(c) => (
              <input
                {...c}
                maxLength={100}
                value={name}
                onChange={(e) => setName(e.target.value)}
              />
            )}
          </Field>
          <Field
            label="Expires after"
            hint="The token stops working then; create a new one to go on."
            error={errors.expiresInDays}
          >
            {(c) => (
              <select
                {...c}
                value={days ?? lifetimes.default}
                onChange={(e) => setDays(Number(e.target.value))}
              >
                {expiryChoices(lifetimes).map((d) => (
                  <option key={d} value={d}>
                    {expiryChoiceLabel(d, lifetimes.default)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <fieldset className="plain" aria-describedby={errors.scopes ? 'scopes-error' : undefined}>
          <legend>Scopes</legend>
          <div className="checkbox-grid">
            {scopesFor(role).map((scope) => (
              <Checkbox
                key={scope}
                label={
                  <>
                    {SCOPE_LABELS[scope]} <code className="small">{scope}</code>
                  </>
                }
                checked={scopes.includes(scope)}
                onChange={(on) => toggle(scope, on)}
              />
            ))}
          </div>
          {errors.scopes ? (
            <p id="scopes-error" className="field-error">
              {errors.scopes}
            </p>
          ) : null}
        </fieldset>
        <div className="form-actions">
          <button type="submit" className="button primary" disabled={pending !== null}>
            {pending === 'create' ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </>
  );
}
