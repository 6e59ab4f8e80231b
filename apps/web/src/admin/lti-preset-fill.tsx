import { useState } from 'react';
import { Field } from '../ui/field';
import { LMS_PRESETS, lmsPresetFields, type LmsKind } from './lti-platform-model';

/**
 * "Fill in the usual endpoints": the platform ID and URLs a given LMS normally shows, from
 * its site address, so that an admin only checks them. Collapsed by default.
 */
export function LtiPresetFill({
  clientId,
  onFill,
}: {
  clientId: string;
  onFill: (fields: NonNullable<ReturnType<typeof lmsPresetFields>>) => void;
}) {
  const [kind, setKind] = useState<LmsKind>('moodle');
  const [site, setSite] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState('');
  const needsSite = LMS_PRESETS[kind].needsSite;

  const fill = () => {
    const fields = lmsPresetFields(kind, site, clientId);
    if (!fields) {
      setError('Enter the LMS site address, e.g. https://moodle.example.edu.');
      setDone('');
      return;
    }
    setError(undefined);
    onFill(fields);
    setDone(
      `Filled in the usual ${LMS_PRESETS[kind].label} endpoints. Check them against what the LMS shows${
        kind === 'blackboard' && !clientId.trim()
          ? ', and enter the client ID to complete the keyset URL'
          : ''
      }.`,
    );
  };

  return (
    <details className="lti-preset">
      <summary>Fill in the usual endpoints of an LMS</summary>
      <div className="inline-form">
        <Field label="LMS">
          {(c) => (
            <select {...c} value={kind} onChange={(e) => setKind(e.target.value as LmsKind)}>
              {(Object.keys(LMS_PRESETS) as LmsKind[]).map((k) => (
                <option key={k} value={k}>
                  {LMS_PRESETS[k].label}
                </option>
              ))}
            </select>
          )}
        </Field>
        {needsSite ? (
          <Field label="Site address" error={error} className="grow">
            {(c) => (
              <input
                {...c}
                type="url"
                inputMode="url"
                placeholder="https://lms.example.edu"
                value={site}
                onChange={(e) => setSite(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        <button type="button" className="button secondary" onClick={fill}>
          Fill in
        </button>
      </div>
      <p role="status" className="small">
        {done}
      </p>
    </details>
  );
}
