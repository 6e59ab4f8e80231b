import { Link } from 'react-router-dom';
import type { LiveSessionTile } from '@invigil/contracts';
import { unreadText, unreadTiles } from './chat-model';
import { sessionChatPath } from './hand-alert';

/** The feed's list of students whose messages nobody has read yet, each with its chat link. */
export function UnreadChats({ tiles }: { tiles: readonly LiveSessionTile[] }) {
  const waiting = unreadTiles(tiles);
  if (waiting.length === 0) return null;
  return (
    <section className="pd-alert-group pd-unread" aria-labelledby="unread-heading">
      <h3 id="unread-heading" className="pd-alert-group-title pd-unread-title">
        Unread messages ({waiting.reduce((sum, t) => sum + t.unreadChat, 0)})
      </h3>
      <ul className="pd-alert-list" aria-label="Students with unread messages">
        {waiting.map((tile) => {
          const nameId = `unread-${tile.session.id}-who`;
          return (
            <li key={tile.session.id} className="pd-alert pd-unread-item">
              <p className="pd-unread-line">
                <strong id={nameId}>{tile.student.name}</strong>
                <span className="pd-unread-count">{unreadText(tile.unreadChat)}</span>
                <Link
                  to={sessionChatPath(tile.session.id)}
                  className="button secondary small"
                  aria-describedby={nameId}
                >
                  Open chat
                </Link>
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
