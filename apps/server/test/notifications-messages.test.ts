import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { notificationDeliveries } from '../src/db/schema.js';
import type { BusTopics } from '../src/ports/event-bus.port.js';
import type { ReceivedMail } from '../src/ports/mailer.contract.js';
import { eventually } from './helpers/eventually.js';
import { useNotificationsServer } from './helpers/notifications-fixture.js';
import { engines } from './helpers/test-server.js';
import { expectedSignature, type ReceivedCall } from './helpers/webhook-receiver.js';

type Mail = ReceivedMail;

/**
 * What is sent, and to whom: a high-severity flag goes to the webhook (signed, without the
 * student's address) and by e-mail to the proctor; a verdict goes by e-mail to the instructor
 * and the student with the result link, and to the webhook, once however often the bus repeats
 * it. User-typed text is escaped in every HTML mail.
 */
describe.each(engines())('notifications on %s', (engine) => {
  const app = useNotificationsServer(engine);
  const { examTitle, studentSession, createWebhook, deliveriesOf, mailsTo } = app;

  it('a high-severity flag is POSTed, signed, to the webhook and e-mailed to the proctor', async () => {
    const { secret, webhook } = await createWebhook('/ok', ['flag.high']);
    const { student, sessionId } = await studentSession('Sam <Flagged>');
    // Two faces for 8 s, reported by the browser: a high-severity multiple_faces flag.
    const state = (active: boolean) => ({
      detector: 'multiple_faces',
      active,
      confidence: 0.9,
      value: 2,
      model: 'test-model',
    });
    const res = await student.post(`/api/sessions/${sessionId}/events`, {
      events: [
        { seq: 0, type: 'detect.state', at: Date.now() - 8000, data: state(true) },
        { seq: 1, type: 'detect.state', at: Date.now(), data: state(false) },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);

    const post = await eventually(async () => {
      const got = app.receiver.received.find(
        (r) => r.path === '/ok' && r.headers['x-invigil-event'] === 'flag.high',
      );
      expect(got).toBeDefined();
      return got as ReceivedCall;
    });
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.headers['x-invigil-delivery']).toMatch(/^\d+$/);
    expect(post.headers['x-invigil-timestamp']).toMatch(/^\d{10}$/);
    expect(post.headers['x-invigil-signature']).toBe(expectedSignature(secret, post));
    const doc = JSON.parse(post.body);
    expect(doc).toMatchObject({
      event: 'flag.high',
      data: {
        exam: { id: app.examId, title: examTitle },
        session: { id: sessionId },
        student: { id: student.userId, name: 'Sam <Flagged>' },
        flag: { type: 'multiple_faces', severity: 'high' },
      },
    });
    expect(typeof doc.id).toBe('string');
    expect(JSON.stringify(doc)).not.toContain(student.email);

    const mail = await eventually(async () => {
      const [m] = mailsTo(app.proctor.email);
      expect(m).toBeDefined();
      return m as Mail;
    });
    expect(mail.subject).toBe(`High-severity flag: Sam <Flagged> — ${examTitle}`);
    expect(mail.text).toContain('Student: Sam <Flagged>');
    expect(mail.text).toContain(`/proctor/sessions/${sessionId}`);
    // User-typed text is escaped in the HTML part.
    expect(mail.html).toContain('Physics &lt;b&gt;final&lt;/b&gt; &amp; co');
    expect(mail.html).not.toContain('<b>final</b>');
    // The instructor and the student are not told of flags.
    expect(mailsTo(app.instructor.email)).toEqual([]);
    expect(mailsTo(student.email)).toEqual([]);

    await eventually(async () => {
      const [row] = await deliveriesOf(webhook.id);
      expect(row).toMatchObject({
        event: 'flag.high',
        status: 'delivered',
        attempts: 1,
        lastStatusCode: 200,
      });
    });
    expect((await app.admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });

  it('a verdict is e-mailed to the instructor and to the student, with the result link, once', async () => {
    const { webhook, secret } = await createWebhook('/ok/verdict', ['verdict']);
    const { student, sessionId } = await studentSession('Vera Verdict');
    const verdict: BusTopics['review.verdict'] = {
      sessionId,
      examId: app.examId,
      verdict: 'suspicious',
      reason: 'Second person <visible> at 12:30',
      final: false,
      reviewerId: app.instructor.userId,
      decidedAt: new Date().toISOString(),
    };
    // Every server process hears a bus message (Redis): the repeats must not be delivered twice.
    await Promise.all([
      app.server.instance.bus.publish('review.verdict', verdict),
      app.server.instance.bus.publish('review.verdict', verdict),
    ]);
    await app.server.instance.bus.publish('review.verdict', verdict);

    const toStudent = await eventually(async () => {
      const [m] = mailsTo(student.email);
      expect(m).toBeDefined();
      return m as Mail;
    });
    expect(toStudent.subject).toBe(`The review of your attempt at ${examTitle}`);
    expect(toStudent.text).toContain('Verdict: suspicious');
    expect(toStudent.text).toContain(
      `${app.server.instance.config.publicUrl}/student/results/${sessionId}`,
    );
    expect(toStudent.html).toContain('Second person &lt;visible&gt; at 12:30');
    const toInstructor = await eventually(async () => {
      const m = mailsTo(app.instructor.email).find((x) => x.text.includes('Vera Verdict'));
      expect(m).toBeDefined();
      return m as Mail;
    });
    expect(toInstructor.subject).toBe(
      `Verdict suspicious (provisional): Vera Verdict — ${examTitle}`,
    );
    expect(toInstructor.text).toContain(`/review/sessions/${sessionId}`);
    const post = await eventually(async () => {
      const got = app.receiver.received.find(
        (r) => r.path === '/ok/verdict' && r.body.includes(sessionId),
      );
      expect(got).toBeDefined();
      return got as ReceivedCall;
    });
    expect(post.headers['x-invigil-signature']).toBe(expectedSignature(secret, post));
    expect(JSON.parse(post.body).data.verdict).toEqual({
      verdict: 'suspicious',
      reason: verdict.reason,
      final: false,
      decidedAt: verdict.decidedAt,
    });

    // One row per target: the webhook, the instructor and the student; proctors are not told.
    const { db } = app.server.instance.database;
    const rows = await db
      .select()
      .from(notificationDeliveries)
      .where(sql`${notificationDeliveries.payload}->>'id' = ${JSON.parse(post.body).id}`);
    expect(rows.map((r) => r.target).sort()).toEqual(
      [app.instructor.email, student.email, app.receiver.url('/ok/verdict')].sort(),
    );
    await eventually(async () => {
      const sent = await db
        .select()
        .from(notificationDeliveries)
        .where(eq(notificationDeliveries.target, student.email));
      expect(sent.map((r) => r.status)).toEqual(['delivered']);
    });
    expect(mailsTo(student.email)).toHaveLength(1);
    expect((await deliveriesOf(webhook.id)).filter((d) => d.event === 'verdict')).toHaveLength(1);
    expect((await app.admin.delete(`/api/webhooks/${webhook.id}`)).status).toBe(200);
  });
});
