import { useState } from 'react';
import type { LtiToolInfo } from '@invigil/contracts';
import { ltiApi } from '../api/lti-api';
import { describeError } from '../api/errors';
import { formatDateTime } from '../lib/datetime';
import { ConfirmButton } from '../ui/confirm-button';
import { CopyField } from '../ui/copy-field';
import { Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { Notice, StatusMessage, type Feedback } from '../ui/status-message';
import { Table, type Column } from '../ui/table';
import { useNow } from '../ui/use-now';
import type { Resource } from '../ui/use-resource';
import { baseUrlProblem, keyState, sortKeys } from './lti-tool-model';

type Key = LtiToolInfo['keys'][number];

/** The URLs a platform admin copies into the LMS, with Copy buttons. */
function ToolUrls({ tool }: { tool: LtiToolInfo }) {
  const problem = baseUrlProblem(tool.baseUrl);
  return (
    <>
      {problem ? <Notice tone="error">{problem}</Notice> : null}
      <div className="lti-urls">
        <CopyField
          label="Login initiation URL"
          hint="Moodle: Initiate login URL · Canvas: OpenID Connect Initiation URL · Brightspace: OpenId Connect Login URL · Blackboard: Login Initiation URL."
          value={tool.loginUrl}
        />
        <CopyField
          label="Launch URL (target link URI)"
          hint="Moodle: Tool URL · Canvas and Brightspace: Target Link URI."
          value={tool.launchUrl}
        />
        <CopyField
          label="Redirect URIs"
          hint="Moodle: Redirection URI(s) · Canvas: Redirect URIs · Brightspace: Redirect URLs · Blackboard: Tool Redirect URL(s). Paste every line."
          value={tool.redirectUris.join('\n')}
          lines={tool.redirectUris.length > 1 ? Math.min(tool.redirectUris.length, 4) : undefined}
        />
        <CopyField
          label="Deep linking URL"
          hint="Moodle: Content Selection URL (tick “Supports Deep Linking”) · Canvas: the Link Selection and Assignment Selection placements."
          value={tool.deepLinkUrl}
        />
        <CopyField
          label="Public keyset URL (JWKS)"
          hint="Moodle: Public keyset (key type “Keyset URL”) · Canvas: Public JWK URL · Brightspace: Keyset URL · Blackboard: Tool JWKS URL."
          value={tool.jwksUrl}
        />
      </div>
    </>
  );
}

/** The tool's side of a manual registration (GET /api/lti/tool), to copy into the LMS. */
export function LtiToolUrlsSection({ tool }: { tool: Resource<LtiToolInfo> }) {
  return (
    <Section title="Register Invigil in your LMS" id="lti-tool">
      <p className="muted small">
        For a registration by hand: copy these into the LMS’s LTI 1.3 tool form, then add the
        platform below with the values the LMS gives back (client ID, deployment ID, its URLs).
      </p>
      <ResourceView resource={tool}>{(data) => <ToolUrls tool={data} />}</ResourceView>
    </Section>
  );
}

/**
 * The tool's signing keys with "Rotate key" (a step-up action: the API client asks for the
 * second factor again before the server accepts it).
 */
export function LtiToolKeysSection({ tool }: { tool: Resource<LtiToolInfo> }) {
  const [rotating, setRotating] = useState(false);
  const [feedback, setFeedback] = useState<Feedback | null>(null);

  const rotate = async () => {
    setRotating(true);
    setFeedback(null);
    try {
      const updated = await ltiApi.rotateKey();
      tool.mutate(() => updated);
      setFeedback({
        tone: 'success',
        text: 'A new key now signs; the old one stays published for 7 days so that platforms pick up the new one.',
      });
    } catch (error) {
      setFeedback({ tone: 'error', text: `Key not rotated: ${describeError(error)}` });
    } finally {
      setRotating(false);
    }
  };

  const now = useNow(60_000);
  const columns: Column<Key>[] = [
    { header: 'Key ID', cell: (k) => <span className="mono break">{k.kid}</span> },
    {
      header: 'State',
      cell: (k) => {
        const s = keyState(k, now, formatDateTime);
        return (
          <>
            <span className={s.className}>{s.label}</span>
            <span className="muted small block">{s.detail}</span>
          </>
        );
      },
    },
    {
      header: 'Created',
      cell: (k) => <time dateTime={k.createdAt}>{formatDateTime(k.createdAt)}</time>,
    },
  ];

  return (
    <Section
      title="Signing keys"
      id="lti-keys"
      actions={
        <ConfirmButton
          label="Rotate key"
          question="Start signing with a new key? The current one stays published for 7 days."
          confirmLabel="Rotate"
          keepLabel="Cancel"
          className="button secondary"
          pending={rotating}
          pendingLabel="Rotating…"
          disabled={!tool.data}
          describedBy="lti-keys-hint"
          onConfirm={() => void rotate()}
        />
      }
    >
      <p id="lti-keys-hint" className="muted small">
        Invigil signs deep-linking answers and its token requests with these keys; platforms read
        them from the keyset URL. Rotate after a suspected leak or by routine.
      </p>
      <StatusMessage feedback={feedback} />
      <ResourceView
        resource={tool}
        empty="No key yet: the first one is made at the first launch or token request."
        isEmpty={(data) => data.keys.length === 0}
      >
        {(data) => (
          <Table
            caption="Tool signing keys"
            columns={columns}
            rows={sortKeys(data.keys)}
            rowKey={(k) => k.kid}
          />
        )}
      </ResourceView>
    </Section>
  );
}
