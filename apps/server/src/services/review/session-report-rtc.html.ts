import type { RtcEndReason, RtcLink, SessionReport } from '@invigil/contracts';
import type { ReportHtmlHelpers } from './session-report-communication.html.js';

const END_LABEL: Record<RtcEndReason, string> = {
  hung_up: 'Closed by the proctor',
  student_hung_up: 'Ended by the student',
  declined: 'Declined by the student',
  viewer_left: 'The proctor’s page went away',
  student_left: 'The student’s page went away',
  timeout: 'Timed out',
  failed: 'Connection failed',
  session_ended: 'The attempt stopped running',
};

/** "1 min 05 s" between two times; "—" while open. */
function duration(from: string, to: string | null): string {
  if (!to) return 'still open';
  const s = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  return s >= 60 ? `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s` : `${s} s`;
}

function linkRow(l: RtcLink, h: ReportHtmlHelpers): string {
  const what = l.kind === 'call' ? (l.proctorCamera ? 'Call (camera)' : 'Call') : 'Live view';
  const end = l.endReason ? END_LABEL[l.endReason] : '';
  return `<tr>
  <td>${h.escapeHtml(what)}</td>
  <td>${h.escapeHtml(l.proctor.name)}</td>
  <td>${h.escapeHtml(h.when(l.startedAt))}</td>
  <td>${h.escapeHtml(h.when(l.connectedAt))}</td>
  <td>${h.escapeHtml(h.when(l.endedAt))}</td>
  <td>${h.escapeHtml(duration(l.startedAt, l.endedAt))}</td>
  <td>${h.escapeHtml(end)}${l.detail ? `<div class="pre">${h.escapeHtml(l.detail)}</div>` : ''}</td>
</tr>`;
}

/** The report's "Live views and calls" section: who watched or called, when, how long. */
export function rtcSection(r: SessionReport, h: ReportHtmlHelpers): string {
  if (!r.rtcLinks) return '';
  const links = r.rtcLinks;
  const body =
    links.length === 0
      ? '<p>No live views or calls.</p>'
      : `<table>
<thead><tr><th scope="col">Kind</th><th scope="col">Proctor</th><th scope="col">Started</th>
<th scope="col">Connected</th><th scope="col">Ended</th><th scope="col">Duration</th>
<th scope="col">How it ended</th></tr></thead>
<tbody>
${links.map((l) => linkRow(l, h)).join('\n')}
</tbody>
</table>`;
  return `<h2>Live views and calls (${links.length})</h2>
${body}
`;
}
