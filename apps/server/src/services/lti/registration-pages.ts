import { escapeHtml, page } from './pages.js';

// LTI Dynamic Registration §3.7: the tool's page tells the platform it is done, and the
// platform closes the registration window (or its iframe) and refreshes its list of tools.
const CLOSE_SCRIPT = `function closeRegistration(){(window.opener||window.parent).postMessage({subject:'org.imsglobal.lti.close'},'*');}
document.getElementById('close').addEventListener('click',closeRegistration);
closeRegistration();`;

/** The registration is done: says with which platform, and asks the platform to close it. */
export function registeredPage(o: { nonce: string; platformName: string; issuer: string }): string {
  const body = `
<h1>Invigil is registered</h1>
<p role="status">Invigil is now a tool of <strong>${escapeHtml(o.platformName)}</strong>
<span class="muted">(${escapeHtml(o.issuer)})</span>. An Invigil administrator can review the
registration on the LMS platforms page.</p>
<p><button type="button" id="close">Close</button></p>`;
  return page({ title: 'Registered', nonce: o.nonce, body, script: CLOSE_SCRIPT });
}

/** A refused registration: the sentence and the code to quote. */
export function registrationErrorPage(o: {
  nonce: string;
  code: string;
  message: string;
  correlationId: string;
}): string {
  const body = `
<h1>Invigil could not be registered</h1>
<p class="error" role="alert">${escapeHtml(o.message.replace(/\.$/, ''))}.</p>
<p class="muted">Error code <code>${escapeHtml(o.code)}</code>, reference
<code>${escapeHtml(o.correlationId)}</code>. Quote both if you ask for help.</p>`;
  return page({ title: 'Registration failed', nonce: o.nonce, body });
}
