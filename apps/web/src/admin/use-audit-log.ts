import { useCallback, useState } from 'react';
import { usersApi, type AuditEntry, type AuditPage } from '../api/endpoints';
import { useResource, type Resource } from '../ui/use-resource';
import { pageQuery, type AppliedFilters } from './audit-filters';

/** Older pages loaded after the first, for the first page they continue. */
interface OlderPages {
  after: AuditPage | undefined;
  entries: AuditEntry[];
  nextBefore: number | null;
  pending: boolean;
  error: unknown;
}

const NONE: OlderPages = {
  after: undefined,
  entries: [],
  nextBefore: null,
  pending: false,
  error: undefined,
};

/** The filtered audit log as the page shows it. */
export interface AuditLogView {
  /** The newest page: its loading, error and empty states are the page's. */
  first: Resource<AuditPage>;
  /** Every entry loaded so far, newest first. */
  entries: AuditEntry[];
  /** Whether older entries exist beyond those loaded. */
  hasOlder: boolean;
  loadingOlder: boolean;
  olderError: unknown;
  /** Appends the next older page; resolves to whether even older ones remain. */
  loadOlder(): Promise<boolean>;
  /** Back to the newest page, loaded again. */
  refresh(): void;
}

/**
 * The audit log narrowed by `filters`, newest page first, and older pages appended on demand
 * by keyset (`before`). Older pages belong to the first page they continue: new filters or a
 * refresh start again from the newest page, and an answer for stale filters is dropped.
 */
export function useAuditLog(filters: AppliedFilters): AuditLogView {
  const load = useCallback(
    (signal: AbortSignal) => usersApi.audit(pageQuery(filters), signal),
    [filters],
  );
  // Coming back to the tab must not throw away the older pages someone has loaded.
  const first = useResource(load, { refetchOnWindowFocus: false });
  const [older, setOlder] = useState<OlderPages>(NONE);
  const page = first.data;
  const mine = page !== undefined && older.after === page ? older : NONE;
  const nextBefore = mine.after ? mine.nextBefore : (page?.nextBefore ?? null);

  const loadOlder = async (): Promise<boolean> => {
    if (!page || nextBefore === null || mine.pending) return false;
    setOlder({ ...mine, after: page, nextBefore, pending: true, error: undefined });
    try {
      const next = await usersApi.audit(pageQuery(filters, nextBefore));
      setOlder((o) =>
        o.after === page
          ? { ...o, entries: [...o.entries, ...next.entries], nextBefore: next.nextBefore }
          : o,
      );
      return next.nextBefore !== null;
    } catch (error) {
      setOlder((o) => (o.after === page ? { ...o, error } : o));
      return true;
    } finally {
      setOlder((o) => (o.after === page ? { ...o, pending: false } : o));
    }
  };

  const { reload } = first;
  const refresh = useCallback(() => {
    setOlder(NONE);
    reload();
  }, [reload]);

  return {
    first,
    entries: page ? [...page.entries, ...mine.entries] : [],
    hasOlder: nextBefore !== null,
    loadingOlder: mine.pending,
    olderError: mine.error,
    loadOlder,
    refresh,
  };
}
