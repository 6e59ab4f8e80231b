import { eq } from 'drizzle-orm';
import type { NotificationDocument, NotificationEvent } from '@invigil/contracts';
import type { Db } from '../../db/database.js';
import { webhooks } from '../../db/schema.js';
import type { Clock } from '../../ports/clock.port.js';
import type { BusTopics, EventBus } from '../../ports/event-bus.port.js';
import {
  adminAddresses,
  auditBrokenDocument,
  flagHighDocument,
  loadSubject,
  staffAddresses,
  verdictDocument,
  type AuditTrailReport,
} from './documents.js';
import {
  auditBrokenMail,
  flagHighMail,
  verdictStaffMail,
  verdictStudentMail,
} from './email-templates.js';
import type { DeliveryTarget, NotificationOutbox } from './outbox.js';

/** What the notifier needs besides the database. */
export interface NotifierDeps {
  outbox: NotificationOutbox;
  clock: Clock;
  /** Whether e-mail is configured; without it no e-mail deliveries are created. */
  emailEnabled: boolean;
  /** The address users reach the server at, for links in e-mails. */
  publicUrl: string;
  /** Send deliveries just queued (adds their jobs). */
  dispatch(ids: readonly number[]): Promise<void>;
  onError(error: unknown, message: string): void;
}

/**
 * Turns events into deliveries: a new high-severity flag (`flag.created`) goes to
 * `flag.high` webhooks and, by e-mail, to the exam's proctors; a verdict (`review.verdict`)
 * goes to `verdict` webhooks and, by e-mail, to the exam's instructors and the student. A
 * failed verification of the audit trail (`auditTrailBroken`, called by the job that verifies
 * it, not from the bus) goes to `audit.broken` webhooks and, by e-mail, to the administrators.
 */
export class Notifier {
  constructor(
    private readonly db: Db,
    private readonly deps: NotifierDeps,
  ) {}

  /** Subscribe to the bus; the returned function unsubscribes. */
  async start(bus: EventBus): Promise<() => Promise<void>> {
    const offFlags = await bus.subscribe('flag.created', (m) =>
      this.flagCreated(m).then(
        () => undefined,
        (e: unknown) => this.deps.onError(e, 'flag notification failed'),
      ),
    );
    const offVerdicts = await bus.subscribe('review.verdict', (m) =>
      this.verdict(m).then(
        () => undefined,
        (e: unknown) => this.deps.onError(e, 'verdict notification failed'),
      ),
    );
    return async () => {
      await offFlags();
      await offVerdicts();
    };
  }

  /** Queue the notifications of a new flag, if it is high-severity. Returns the rows queued. */
  async flagCreated(flag: BusTopics['flag.created']): Promise<number> {
    if (flag.severity !== 'high') return 0;
    const subject = await loadSubject(this.db, flag.sessionId);
    if (!subject) return 0;
    const doc = flagHighDocument(flag, subject);
    const targets = await this.webhookTargets('flag.high');
    if (this.deps.emailEnabled) {
      const mail = flagHighMail(doc, this.deps.publicUrl);
      for (const to of await staffAddresses(this.db, subject.exam.id, 'proctor')) {
        targets.push({ channel: 'email', to, mail });
      }
    }
    return this.enqueue(doc, targets);
  }

  /** Queue the notifications of a verdict. Returns the rows queued. */
  async verdict(v: BusTopics['review.verdict']): Promise<number> {
    const subject = await loadSubject(this.db, v.sessionId);
    if (!subject) return 0;
    const doc = verdictDocument(v, subject);
    const targets = await this.webhookTargets('verdict');
    if (this.deps.emailEnabled) {
      const staffMail = verdictStaffMail(doc, this.deps.publicUrl);
      for (const to of await staffAddresses(this.db, subject.exam.id, 'instructor')) {
        targets.push({ channel: 'email', to, mail: staffMail });
      }
      // Only the student the verdict is about, never another.
      if (!subject.student.disabled) {
        targets.push({
          channel: 'email',
          to: subject.student.email,
          mail: verdictStudentMail(doc, this.deps.publicUrl),
        });
      }
    }
    return this.enqueue(doc, targets);
  }

  /**
   * Queue the alert of a failed verification of the audit trail: to every active webhook
   * subscribed to `audit.broken` and, when e-mail is on, to every enabled administrator. A
   * report without problems (the trail checked out) queues nothing. Errors are the caller's:
   * the verification job logs them.
   */
  async auditTrailBroken(report: AuditTrailReport): Promise<void> {
    if (report.problems.length === 0) return;
    const doc = auditBrokenDocument(report);
    const targets = await this.webhookTargets('audit.broken');
    if (this.deps.emailEnabled) {
      const mail = auditBrokenMail(doc, this.deps.publicUrl);
      for (const to of await adminAddresses(this.db)) {
        targets.push({ channel: 'email', to, mail });
      }
    }
    await this.enqueue(doc, targets);
  }

  private async webhookTargets(event: NotificationEvent): Promise<DeliveryTarget[]> {
    const rows = await this.db
      .select({ id: webhooks.id, url: webhooks.url, events: webhooks.events })
      .from(webhooks)
      .where(eq(webhooks.active, true));
    return rows
      .filter((w) => Array.isArray(w.events) && (w.events as unknown[]).includes(event))
      .map((w) => ({ channel: 'webhook', webhookId: w.id, url: w.url }));
  }

  private async enqueue(doc: NotificationDocument, targets: DeliveryTarget[]): Promise<number> {
    const ids = await this.deps.outbox.enqueue(doc, targets, this.deps.clock.now());
    if (ids.length > 0) await this.deps.dispatch(ids);
    return ids.length;
  }
}
