import type { Exam } from '@invigil/contracts';

/**
 * The server-rendered pages of LTI launches (shown inside the platform's iframe or in a
 * window it opened; the web app is not loaded there). Every value is escaped; the only
 * scripts and styles carry the response's CSP nonce.
 */

/** Escape text for HTML content and attribute values. */
export const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1.5rem;color:#1a1a1a;background:#fff}
main{max-width:40rem;margin:0 auto}
h1{font-size:1.4rem;margin:0 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
button.secondary{background:#fff;color:#1d4ed8}
.muted{color:#555}
.error{color:#991b1b}
code{background:#f3f4f6;padding:.1rem .3rem;border-radius:.2rem}
label{display:block;margin:.6rem 0 .2rem}
input{font:inherit;padding:.4rem;width:100%;box-sizing:border-box}
fieldset{border:1px solid #ddd;border-radius:.4rem;margin:0 0 1rem;padding:1rem}
ul.exams{list-style:none;padding:0}
ul.exams li{margin:.4rem 0}
`;

/** A complete page: `nonce` allows its style block and script (if any). */
export function page(o: { title: string; nonce: string; body: string; script?: string }): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)} · Invigil</title>`,
    `<style nonce="${o.nonce}">${STYLE}</style>`,
    '</head>',
    `<body><main>${o.body}</main>`,
    o.script ? `<script nonce="${o.nonce}">${o.script}</script>` : '',
    '</body>',
    '</html>',
  ].join('\n');
}

/** A hidden form field. */
const hidden = (name: string, value: string) =>
  `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;

/**
 * After a resource link launch. Framed (inside the platform), it says who is signed in and
 * offers "Open Invigil in a new window" (camera and screen sharing need their own window);
 * at top level it posts the ticket itself, with the same button as a fallback.
 */
export function launchPage(o: {
  nonce: string;
  framed: boolean;
  person: { name: string; email: string };
  exam: { title: string };
  handoff: string;
  student: boolean;
}): string {
  const what = o.student
    ? 'Your exam opens in its own window, where your camera and screen can be shared.'
    : 'The exam’s page opens in its own window.';
  const body = `
<h1>${escapeHtml(o.exam.title)}</h1>
<p>Signed in to Invigil as <strong>${escapeHtml(o.person.name)}</strong>
<span class="muted">(${escapeHtml(o.person.email)})</span>.</p>
<p>${what}</p>
<form id="handoff" method="post" action="/lti/handoff"${o.framed ? ' target="_blank"' : ''}>
${hidden('token', o.handoff)}
<button type="submit">Open Invigil in a new window</button>
</form>
${o.framed ? '' : '<p class="muted">Opening Invigil…</p>'}`;
  return page({
    title: o.exam.title,
    nonce: o.nonce,
    body,
    // A browser that does not say it is framed (no Sec-Fetch-Dest) may still be: then the
    // button opens the new window rather than signing in inside the platform's frame.
    ...(!o.framed && {
      script:
        "var f=document.getElementById('handoff');if(window.top===window.self){f.submit();}else{f.target='_blank';}",
    }),
  });
}

/** A refused launch: what happened, in a sentence, and the code to quote. */
export function errorPage(o: {
  nonce: string;
  code: string;
  message: string;
  correlationId: string;
}): string {
  const body = `
<h1>Invigil could not open this</h1>
<p class="error" role="alert">${escapeHtml(o.message)}.</p>
<p class="muted">Error code <code>${escapeHtml(o.code)}</code>, reference
<code>${escapeHtml(o.correlationId)}</code>. Quote both if you ask for help.</p>`;
  return page({ title: 'Launch refused', nonce: o.nonce, body });
}

/** The chooser of a deep-linking request: an exam the instructor manages, or a new one. */
export function chooserPage(o: {
  nonce: string;
  requestId: string;
  userName: string;
  contextTitle: string | null;
  exams: Exam[];
  error?: string;
}): string {
  const action = `/lti/deep-link/${encodeURIComponent(o.requestId)}`;
  const list =
    o.exams.length === 0
      ? '<p class="muted">You manage no exams yet: create one below.</p>'
      : `<form method="post" action="${escapeHtml(action)}">
<ul class="exams">${o.exams
          .map(
            (
              e,
            ) => `<li><button type="submit" class="secondary" name="examId" value="${escapeHtml(e.id)}">${escapeHtml(e.title)}</button>
<span class="muted">${escapeHtml(examWindow(e.opensAt, e.closesAt))}</span></li>`,
          )
          .join('\n')}</ul>
</form>`;
  const body = `
<h1>Add an Invigil exam${o.contextTitle ? ` to ${escapeHtml(o.contextTitle)}` : ''}</h1>
<p class="muted">Signed in as ${escapeHtml(o.userName)}.</p>
${o.error ? `<p class="error" role="alert">${escapeHtml(o.error)}</p>` : ''}
<h2>Choose an exam</h2>
${list}
<h2>Or create a new exam</h2>
<form id="new-exam" method="post" action="${escapeHtml(action)}">
<fieldset>
<label for="title">Title</label>
<input id="title" name="title" required maxlength="200">
<label for="opensAt">Opens</label>
<input id="opensAt" name="opensAt" type="datetime-local" required>
<label for="closesAt">Closes</label>
<input id="closesAt" name="closesAt" type="datetime-local" required>
<label for="durationMinutes">Duration (minutes)</label>
<input id="durationMinutes" name="durationMinutes" type="number" min="1" max="1440" required value="60">
${hidden('opensAtIso', '')}${hidden('closesAtIso', '')}
</fieldset>
<button type="submit" name="create" value="1">Create and add</button>
</form>`;
  // The browser knows the person's time zone: the chosen local times go as UTC instants.
  const script = `document.getElementById('new-exam').addEventListener('submit',function(e){
var f=e.target;['opensAt','closesAt'].forEach(function(n){var v=f.elements[n].value;
if(v){var d=new Date(v);if(!isNaN(d))f.elements[n+'Iso'].value=d.toISOString();}});});`;
  return page({ title: 'Add an exam', nonce: o.nonce, body, script });
}

/** The exam window as a short line (UTC, as the server has no time zone for the reader). */
function examWindow(opensAt: string, closesAt: string): string {
  const fmt = (s: string) => s.slice(0, 16).replace('T', ' ');
  return `${fmt(opensAt)} – ${fmt(closesAt)} UTC`;
}

/** The answer to the platform: posts the signed response to its return URL. */
export function deepLinkReturnPage(o: {
  nonce: string;
  returnUrl: string;
  jwt: string;
  examTitle: string;
}): string {
  const body = `
<h1>Adding “${escapeHtml(o.examTitle)}” to your course</h1>
<form id="return" method="post" action="${escapeHtml(o.returnUrl)}">
${hidden('JWT', o.jwt)}
<button type="submit">Continue to your course</button>
</form>`;
  return page({
    title: 'Adding the exam',
    nonce: o.nonce,
    body,
    script: "document.getElementById('return').submit();",
  });
}
