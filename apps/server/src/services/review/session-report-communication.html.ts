import type { ChatMessage, HelpRequest, SessionReport } from '@invigil/contracts';

/** The report's own helpers, passed in (they live in session-report.html.ts; no import cycle). */
export interface ReportHtmlHelpers {
  escapeHtml: (value: unknown) => string;
  when: (isoTime: string | null | undefined) => string;
}

const CLOSE_LABEL: Record<NonNullable<HelpRequest['closeReason']>, string> = {
  resolved: 'Resolved',
  lowered: 'Lowered by the student',
  session_ended: 'Closed when the attempt ended',
};

function sender(m: ChatMessage): string {
  if (m.kind === 'announcement') return `Announcement by ${m.author?.name ?? 'staff'}`;
  return m.from === 'student'
    ? `Student (${m.author?.name ?? 'former user'})`
    : `Staff (${m.author?.name ?? 'former user'})`;
}

function chatTable(messages: readonly ChatMessage[], h: ReportHtmlHelpers): string {
  if (messages.length === 0) return '<p>No chat messages or announcements.</p>';
  const rows = messages
    .map(
      (m) => `<tr>
  <td>${h.escapeHtml(h.when(m.createdAt))}</td>
  <td>${h.escapeHtml(sender(m))}</td>
  <td class="pre">${h.escapeHtml(m.body)}</td>
</tr>`,
    )
    .join('\n');
  return `<table>
<thead><tr><th scope="col">Sent</th><th scope="col">From</th><th scope="col">Message</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

function handsTable(hands: readonly HelpRequest[], h: ReportHtmlHelpers): string {
  if (hands.length === 0) return '<p>The student did not raise a hand.</p>';
  const rows = hands
    .map((r) => {
      const taken = r.takenBy
        ? `${h.escapeHtml(r.takenBy.name)}, ${h.escapeHtml(h.when(r.takenAt))}`
        : '—';
      const closed = r.closeReason
        ? `${h.escapeHtml(CLOSE_LABEL[r.closeReason])}${
            r.closedBy ? ` by ${h.escapeHtml(r.closedBy.name)}` : ''
          }, ${h.escapeHtml(h.when(r.closedAt))}`
        : 'Open';
      return `<tr>
  <td>${h.escapeHtml(h.when(r.raisedAt))}</td>
  <td class="pre">${h.escapeHtml(r.message ?? '—')}</td>
  <td>${taken}</td>
  <td>${closed}</td>
</tr>`;
    })
    .join('\n');
  return `<table>
<thead><tr><th scope="col">Raised</th><th scope="col">Message</th><th scope="col">Taken by</th>
<th scope="col">Outcome</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/**
 * The report's chat and raised-hand sections (empty when the report carries neither). Every
 * text is escaped: messages are the student's and staff's own words, shown as plain text.
 */
export function communicationSections(r: SessionReport, h: ReportHtmlHelpers): string {
  if (!r.chat && !r.helpRequests) return '';
  return `<h2>Chat and announcements (${r.chat?.length ?? 0})</h2>
${chatTable(r.chat ?? [], h)}
<h2>Raised hands (${r.helpRequests?.length ?? 0})</h2>
${handsTable(r.helpRequests ?? [], h)}
`;
}
