import type { RtcLink } from '@invigil/contracts';
import { linkBadgeText } from './rtc-text';
import './rtc.css';

/**
 * "Being watched by X" / "In call with X" for one session's open links; nothing when none.
 * Not a live region: on a grid of many tiles that would be noise (the panel that opened a
 * link announces its own state).
 */
export function LinkBadge({ links }: { links: readonly RtcLink[] }) {
  const text = linkBadgeText(links);
  if (!text) return null;
  const call = links.some((l) => l.kind === 'call' && l.state !== 'ended');
  return (
    <p
      className={`rtc-link-badge${call ? ' rtc-link-badge-call' : ''} small`}
      data-testid="rtc-badge"
    >
      <span className="rtc-dot" aria-hidden="true" />
      {text}
    </p>
  );
}
