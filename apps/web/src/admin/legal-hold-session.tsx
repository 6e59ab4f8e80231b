import { useCallback } from 'react';
import { retentionApi } from '../api/retention-api';
import { useUser } from '../auth/session';
import { formatDateTime } from '../lib/datetime';
import { Section } from '../ui/page';
import { ResourceView } from '../ui/states';
import { useResource } from '../ui/use-resource';
import { LegalHoldBadge, LegalHoldPanel } from './legal-hold-panel';

/**
 * The "Legal hold" section of a session page: the session's own hold (admins place and lift
 * it) and, read-only here, the hold of its exam, which keeps the session as well.
 */
export function SessionLegalHoldSection({ sessionId }: { sessionId: string }) {
  const user = useUser();
  const load = useCallback(
    (signal: AbortSignal) => retentionApi.sessionHolds(sessionId, signal),
    [sessionId],
  );
  const holds = useResource(load);
  return (
    <Section title="Legal hold" id="legal-hold">
      <ResourceView resource={holds}>
        {(data) => (
          <>
            {data.exam ? (
              <p>
                <LegalHoldBadge /> The exam is under a legal hold since{' '}
                {formatDateTime(data.exam.placedAt)}: {data.exam.reason}
              </p>
            ) : null}
            <LegalHoldPanel
              target="session"
              id={sessionId}
              hold={data.session}
              canManage={user.role === 'admin'}
              onChange={(hold) => holds.mutate((cur) => cur && { ...cur, session: hold })}
            />
          </>
        )}
      </ResourceView>
    </Section>
  );
}
