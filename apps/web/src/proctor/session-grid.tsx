import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { SessionState, type LiveSessionTile, type RtcLink } from '@invigil/contracts';
import { SESSION_STATE_LABEL } from '../exams/labels';
import { EmptyState } from '../ui/states';
import { useDebounced } from '../ui/use-debounced';
import { useNow } from '../ui/use-now';
import {
  NO_FILTER,
  TILE_SORTS,
  filterTiles,
  sortTiles,
  type TileFilter,
  type TileSort,
  type VideoWatch,
} from './grid-model';
import { SessionTile } from './session-tile';
import { useThrottled } from './use-throttled';

/** How often the grid may re-order itself as risks and states change. */
const ORDER_MS = 2000;

/** The sort and filter controls above the grid. */
function GridToolbar({
  sort,
  onSort,
  filter,
  onFilter,
}: {
  sort: TileSort;
  onSort: (sort: TileSort) => void;
  filter: TileFilter;
  onFilter: (filter: TileFilter) => void;
}) {
  return (
    <div className="toolbar live-toolbar" role="group" aria-label="Sort and filter sessions">
      <div className="field">
        <label htmlFor="live-sort">Sort by</label>
        <select
          id="live-sort"
          value={sort}
          onChange={(event) => onSort(event.target.value as TileSort)}
        >
          {TILE_SORTS.map((option) => (
            <option key={option.value} value={option.value}>
              {option.label}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="live-state">State</label>
        <select
          id="live-state"
          value={filter.state}
          onChange={(event) =>
            onFilter({ ...filter, state: event.target.value as TileFilter['state'] })
          }
        >
          <option value="">All states</option>
          {SessionState.options.map((state) => (
            <option key={state} value={state}>
              {SESSION_STATE_LABEL[state]}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="live-search">Search by name</label>
        <input
          id="live-search"
          type="search"
          value={filter.text}
          autoComplete="off"
          onChange={(event) => onFilter({ ...filter, text: event.target.value })}
        />
      </div>
      <div className="checkbox live-attention">
        <input
          id="live-attention"
          type="checkbox"
          checked={filter.attention}
          onChange={(event) => onFilter({ ...filter, attention: event.target.checked })}
        />
        <label htmlFor="live-attention">Needs attention only</label>
      </div>
    </div>
  );
}

/** One empty list for every tile without links, so memoised tiles keep their props. */
const NO_LINKS: readonly RtcLink[] = [];

/**
 * The grid of session tiles with its sort and filter controls. The order is recomputed at
 * most every two seconds (and at once when the controls change), so tiles do not jump on
 * every message; sorting by time left uses a clock that moves every 15 s.
 */
export function SessionGrid({
  tiles,
  unacknowledged,
  heading,
  video,
  rtcLinks = NO_LINKS,
}: {
  tiles: readonly LiveSessionTile[];
  /** Open live views and calls of the exam (badges on their sessions' tiles). */
  rtcLinks?: readonly RtcLink[];
  unacknowledged: ReadonlyMap<string, number>;
  /** The video a running session must keep sending (see `videoWatch`); null: no video. */
  video: VideoWatch | null;
  /** The section's heading, shown beside the controls. */
  heading: ReactNode;
}) {
  const [sort, setSort] = useState<TileSort>('risk');
  const [filter, setFilter] = useState<TileFilter>(NO_FILTER);
  const text = useDebounced(filter.text, 150);
  const now = useNow(15_000);
  const effective = useMemo(() => ({ ...filter, text }), [filter, text]);

  // The order follows the data at most every ORDER_MS; each tile's content is always current.
  const basis = useThrottled(tiles, ORDER_MS);
  const order = useMemo(
    () =>
      sortTiles(filterTiles(basis, effective, unacknowledged), sort, now).map((t) => t.session.id),
    [basis, effective, unacknowledged, sort, now],
  );
  const byId = useMemo(() => new Map(tiles.map((t) => [t.session.id, t])), [tiles]);
  const linksBySession = useMemo(() => {
    const map = new Map<string, RtcLink[]>();
    for (const link of rtcLinks)
      map.set(link.sessionId, [...(map.get(link.sessionId) ?? []), link]);
    return map;
  }, [rtcLinks]);
  const shown = useMemo(() => {
    const ordered = order.flatMap((id) => byId.get(id) ?? []);
    // Sessions that appeared since the last ordering show at once, at the end.
    const known = new Set(basis.map((t) => t.session.id));
    const added = filterTiles(
      tiles.filter((t) => !known.has(t.session.id)),
      effective,
      unacknowledged,
    );
    return added.length > 0 ? [...ordered, ...added] : ordered;
  }, [order, byId, basis, tiles, effective, unacknowledged]);

  // Announce the result of a filter change, not every live update of the list.
  const [summary, setSummary] = useState('');
  const shownCount = shown.length;
  const firstRun = useRef(true);
  useEffect(() => {
    if (firstRun.current) {
      firstRun.current = false;
      return;
    }
    const timer = window.setTimeout(
      () => setSummary(`${shownCount} of ${tiles.length} sessions shown`),
      400,
    );
    return () => window.clearTimeout(timer);
    // Only the filter and sort decide when to speak.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [effective, sort]);

  if (tiles.length === 0) {
    return (
      <>
        {heading}
        <EmptyState>No one is taking this exam right now.</EmptyState>
      </>
    );
  }
  return (
    <>
      <div className="live-sessions-head">
        {heading}
        <GridToolbar sort={sort} onSort={setSort} filter={filter} onFilter={setFilter} />
      </div>
      <p className="muted small live-count" aria-hidden="true">
        {shown.length} of {tiles.length} sessions shown
      </p>
      <div className="sr-only" role="status" aria-live="polite">
        {summary}
      </div>
      {shown.length === 0 ? (
        <EmptyState>No sessions match these filters.</EmptyState>
      ) : (
        <ol className="tile-grid" aria-label="Sessions">
          {shown.map((tile) => (
            <SessionTile
              key={tile.session.id}
              tile={tile}
              unacknowledged={unacknowledged.get(tile.session.id) ?? 0}
              video={video}
              links={linksBySession.get(tile.session.id) ?? NO_LINKS}
            />
          ))}
        </ol>
      )}
    </>
  );
}
