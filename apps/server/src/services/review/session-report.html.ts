import {
  describeVerdictConflict,
  verdictConflict,
  type FlagDecisionRecord,
  type ReviewFlag,
  type SessionReport,
} from '@invigil/contracts';
import { communicationSections } from './session-report-communication.html.js';
import { rtcSection } from './session-report-rtc.html.js';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escape text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** `2030-01-01T09:00:00.000Z` → `2030-01-01 09:00:00 UTC` (the report names its zone). */
const when = (isoTime: string | null | undefined) =>
  isoTime ? `${isoTime.slice(0, 10)} ${isoTime.slice(11, 19)} UTC` : '—';

/** Milliseconds since the start of the attempt as h:mm:ss. */
function offset(ms: number | null): string {
  if (ms === null) return '—';
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return `${h}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}`;
}

const DECISION_LABEL: Record<ReviewFlag['decision'], string> = {
  open: 'Undecided',
  confirmed: 'Confirmed',
  dismissed: 'Dismissed',
};

const VERDICT_LABEL = { clean: 'Clean', suspicious: 'Suspicious', violation: 'Violation' };

const STYLE = `
  :root { color-scheme: light; }
  body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111;
    max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
  h2 { font-size: 1.1rem; margin: 1.75rem 0 .5rem; border-bottom: 1px solid #bbb; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
  dt { font-weight: 600; }
  dd { margin: 0; }
  table { border-collapse: collapse; width: 100%; }
  th, td { border: 1px solid #bbb; padding: .35rem .5rem; text-align: left; vertical-align: top; }
  th { background: #f0f0f0; }
  .muted { color: #555; }
  .verdict { font-size: 1.15rem; font-weight: 700; }
  .pre { white-space: pre-wrap; overflow-wrap: anywhere; }
  .sev-high { font-weight: 700; }
  .history ul { margin: .15rem 0 0; padding-left: 1.1rem; }
  .notice { border-left: 4px solid #8a5a00; padding: .25rem .75rem; background: #fff7e0; }
  @media print {
    body { margin: 0; max-width: none; font-size: 11pt; }
    h2 { break-after: avoid; }
    tr, .keep { break-inside: avoid; }
    th { background: none; }
    .no-print { display: none; }
  }
`;

/** Decisions a re-decision replaced, oldest first (staff only, as the flag's history). */
function replacedDecisions(history: readonly FlagDecisionRecord[] | undefined): string {
  if (!history || history.length === 0) return '';
  const items = history
    .map(
      (h) =>
        `<li>${escapeHtml(DECISION_LABEL[h.decision])}, ${escapeHtml(h.decidedBy?.name ?? '—')}, ${escapeHtml(
          when(h.decidedAt),
        )}${h.comment ? `: <span class="pre">${escapeHtml(h.comment)}</span>` : ''}</li>`,
    )
    .join('');
  return `<div class="muted history">Replaced decisions:<ul>${items}</ul></div>`;
}

/** A voice flag raised while the student was in a call with a proctor: said, never hidden. */
function duringCall(f: ReviewFlag): string {
  if (!f.duringCall) return '';
  return `<div class="muted">During a call with ${escapeHtml(f.duringCall.proctorName)} (proctor): the voice may be the student talking to the proctor.</div>`;
}

function flagRows(flags: readonly ReviewFlag[]): string {
  if (flags.length === 0) return '<p>No flags were raised.</p>';
  const rows = flags
    .map((f) => {
      const evidence = f.snapshots.map((s) => `${s.kind} #${s.seq}`).join(', ') || '—';
      const decidedBy = f.detail?.decidedBy?.name;
      return `<tr>
  <td>${escapeHtml(offset(f.startOffsetMs))}–${escapeHtml(offset(f.endOffsetMs))}</td>
  <td>${escapeHtml(f.type)}</td>
  <td class="sev-${escapeHtml(f.severity)}">${escapeHtml(f.severity)}</td>
  <td><span class="pre">${escapeHtml(f.message)}</span>${duringCall(f)}</td>
  <td>${escapeHtml(evidence)}</td>
  <td>${escapeHtml(f.detail ? `${f.detail.source}, ${Math.round(f.detail.confidence * 100)} %` : '—')}</td>
  <td><strong>${escapeHtml(DECISION_LABEL[f.decision])}</strong>${
    decidedBy
      ? `<br><span class="muted">${escapeHtml(decidedBy)}, ${escapeHtml(when(f.decidedAt))}</span>`
      : ''
  }${f.comment ? `<div class="pre">${escapeHtml(f.comment)}</div>` : ''}${replacedDecisions(
    f.detail?.history,
  )}</td>
</tr>`;
    })
    .join('\n');
  return `<table>
<thead><tr><th scope="col">Time in attempt</th><th scope="col">Type</th><th scope="col">Severity</th>
<th scope="col">What was seen</th><th scope="col">Evidence</th><th scope="col">Source, confidence</th>
<th scope="col">Decision</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

/**
 * The session report as one self-contained, print-friendly HTML page: inline styles only, no
 * scripts, no external resources; every value from the database is escaped.
 */
export function renderSessionReportHtml(r: SessionReport): string {
  const v = r.verdict;
  const decisions = r.flags.map((f) => f.decision);
  const isReopened = !!v && !v.final && r.response !== null && r.session.state === 'under_review';
  const reopened = isReopened
    ? `<p class="notice">The student’s response reopened the review: this provisional verdict was
given before it, and the flag decisions above may still change until the final verdict.</p>`
    : '';
  // Once reopened, the decisions above are no longer the ones this verdict was given on.
  const conflict = v && !isReopened ? verdictConflict(v.verdict, decisions) : null;
  const confirmed = decisions.filter((d) => d === 'confirmed').length;
  const verdict = v
    ? `${reopened}<p class="verdict">${escapeHtml(VERDICT_LABEL[v.verdict])} (${v.final ? 'final' : 'provisional'})</p>
<dl>
  <dt>Reason</dt><dd class="pre">${escapeHtml(v.reason)}</dd>
  ${
    conflict || v.overrideComment
      ? `<dt>Against the flag decisions</dt><dd>${
          conflict ? `${escapeHtml(describeVerdictConflict(conflict, confirmed))}.` : ''
        }${
          v.overrideComment
            ? `<div class="pre">Reviewer’s explanation: ${escapeHtml(v.overrideComment)}</div>`
            : ''
        }</dd>`
      : ''
  }
  <dt>Reviewer</dt><dd>${escapeHtml(v.reviewer?.name ?? '—')}</dd>
  <dt>Decided</dt><dd>${escapeHtml(when(v.decidedAt))}</dd>
  ${v.finalAt ? `<dt>Final since</dt><dd>${escapeHtml(when(v.finalAt))}</dd>` : ''}
  ${v.respondBy ? `<dt>Student may respond until</dt><dd>${escapeHtml(when(v.respondBy))}</dd>` : ''}
</dl>`
    : '<p>No verdict yet.</p>';
  const response = r.response
    ? `<div class="keep"><p class="muted">Sent ${escapeHtml(when(r.response.respondedAt))}</p>
<p class="pre">${escapeHtml(r.response.text)}</p></div>`
    : '<p>No response.</p>';
  const photos =
    r.identity.snapshots
      .map((s) => `${s.kind} #${s.seq} (${when(new Date(s.takenMs).toISOString())})`)
      .join('; ') || 'none';
  const identityFlags = r.flags.filter((f) => r.identity.flagIds.includes(f.id));
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Session report · ${escapeHtml(r.student.name)} · ${escapeHtml(r.exam.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Session report</h1>
<p class="muted">${escapeHtml(r.exam.title)} · generated ${escapeHtml(when(r.generatedAt))}</p>
</header>
<main>
<h2>Exam and student</h2>
<dl>
  <dt>Exam</dt><dd>${escapeHtml(r.exam.title)}</dd>
  <dt>Window</dt><dd>${escapeHtml(when(r.exam.opensAt))} – ${escapeHtml(when(r.exam.closesAt))}</dd>
  <dt>Student</dt><dd>${escapeHtml(r.student.name)} &lt;${escapeHtml(r.student.email)}&gt;</dd>
  <dt>Session</dt><dd>${escapeHtml(r.session.id)} (${escapeHtml(r.session.state)})</dd>
  <dt>Started</dt><dd>${escapeHtml(when(r.session.startedAt))}</dd>
  <dt>Ended</dt><dd>${escapeHtml(when(r.session.endedAt))}</dd>
  <dt>Risk score</dt><dd>${escapeHtml(r.risk)} / 100</dd>
</dl>
<h2>Identity evidence</h2>
<dl>
  <dt>Identity photos</dt><dd>${escapeHtml(photos)}</dd>
  <dt>Face enrolled</dt><dd>${r.identity.faceEnrolled ? 'yes' : 'no'}</dd>
  <dt>Identity flags</dt><dd>${
    identityFlags.length === 0
      ? 'none'
      : identityFlags
          .map(
            (f) =>
              `${escapeHtml(offset(f.startOffsetMs))} ${escapeHtml(DECISION_LABEL[f.decision])}`,
          )
          .join('; ')
  }</dd>
</dl>
<h2>Flags (${r.flags.length})</h2>
${flagRows(r.flags)}
${communicationSections(r, { escapeHtml, when })}${rtcSection(r, { escapeHtml, when })}<h2>Verdict</h2>
${verdict}
<h2>Student response</h2>
${response}
</main>
</body>
</html>
`;
}
