import type { ReactNode } from 'react';
import { ApiError } from '../api/client';
import { describeError } from '../api/errors';
import type { Resource } from './use-resource';

/** The loading indicator used everywhere. */
export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <p className="loading" role="status" aria-busy="true">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

/** An error with a Retry button. */
export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const correlationId = error instanceof ApiError ? error.correlationId : undefined;
  return (
    <div className="notice notice-error" role="alert">
      <p>{describeError(error)}</p>
      {correlationId ? <p className="muted small">Reference: {correlationId}</p> : null}
      {onRetry ? (
        <button type="button" className="button secondary" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** Shown when a list has nothing in it. */
export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * Renders a resource: Loading… until the first data arrives, an error with Retry, the empty
 * state when `isEmpty` says so, otherwise `children(data)`. Marks itself aria-busy while
 * reloading.
 */
export function ResourceView<T>({
  resource,
  empty,
  isEmpty,
  children,
}: {
  resource: Resource<T>;
  empty?: ReactNode;
  isEmpty?: (data: T) => boolean;
  children: (data: T) => ReactNode;
}) {
  const { data, error, loading, reload } = resource;
  let body: ReactNode;
  if (error && data === undefined) body = <ErrorState error={error} onRetry={reload} />;
  else if (data === undefined) body = <Loading />;
  else if (empty && (isEmpty ? isEmpty(data) : Array.isArray(data) && data.length === 0)) {
    body = <EmptyState>{empty}</EmptyState>;
  } else body = children(data);
  return (
    <div aria-busy={loading} className="resource">
      {error && data !== undefined ? <ErrorState error={error} onRetry={reload} /> : null}
      {body}
    </div>
  );
}
