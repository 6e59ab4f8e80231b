import { Link } from 'react-router-dom';
import { unreadText } from './chat-model';
import './proctor-chat.css';

/**
 * A tile's unread chat count as a link to the session's chat: a speech bubble and the
 * number, read as "3 unread messages from Sam Student". Nothing when all is read.
 */
export function UnreadBadge({
  to,
  count,
  name,
}: {
  /** The session's chat (its detail page at #chat). */
  to: string;
  count: number;
  name: string;
}) {
  if (count <= 0) return null;
  const words = unreadText(count);
  return (
    <Link to={to} className="tile-unread" title={words}>
      <svg className="tile-unread-icon" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
        <path d="M2 2.5h12v8H6l-3 3v-3H2z" />
      </svg>
      {count}
      <span className="sr-only">
        {words.slice(String(count).length)} from {name}
      </span>
    </Link>
  );
}
