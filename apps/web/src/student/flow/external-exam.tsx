/**
 * An exam hosted on another website, shown on this page under the proctoring bar so the
 * recording and the timer stay in view. Many sites refuse to be shown inside another page;
 * the "new window" button is always there for them.
 */
export function ExternalExam({ url }: { url: string }) {
  const open = () => {
    window.open(url, 'invigil-external-exam', 'noopener');
  };
  return (
    <section className="card external-exam" aria-labelledby="external-heading">
      <h2 id="external-heading">Exam page</h2>
      <p>
        This exam is answered on another website, shown below. Keep this page open: the recording
        and your timer run here. If the exam page stays empty, that website does not allow being
        shown here — open it in a new window and keep this one beside it.
      </p>
      <p>
        <button type="button" className="button secondary" onClick={open}>
          Open the exam page in a new window
          <span className="sr-only"> (opens in a new window)</span>
        </button>{' '}
        <span className="muted small break">{url}</span>
      </p>
      <iframe
        className="external-exam-frame"
        title="Exam page"
        src={url}
        sandbox="allow-forms allow-scripts allow-same-origin allow-popups"
        referrerPolicy="no-referrer"
      />
    </section>
  );
}
