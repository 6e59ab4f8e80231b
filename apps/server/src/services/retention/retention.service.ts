import type {
  ErasureReceipt,
  RetentionRule,
  RetentionRules,
  RetentionRunReport,
} from '@invigil/contracts';
import { requireRole, type Actor } from '../accounts/actor.js';
import { eraseUser } from './erasure.service.js';
import { runRetentionSweep } from './retention-sweep.js';
import { getRetentionDefaults, setRetentionDefaults } from './retention-settings.js';
import type { PurgeDeps } from './session-purge.js';

/** Retention defaults, the sweep and erasure, as the admin routes and the job use them. */
export class RetentionService {
  constructor(
    private readonly deps: PurgeDeps,
    /** Told what each sweep and erasure deleted (metrics). */
    private readonly onDeleted: (
      rule: RetentionRule,
      sessions: number,
      bytes: number,
    ) => void = () => {},
  ) {}

  /** The institution's defaults (admins; instructors, who set exams' retention). */
  defaults(actor: Actor): Promise<RetentionRules> {
    requireRole(actor, ['instructor', 'admin']);
    return getRetentionDefaults(this.deps.db);
  }

  /** Replace the institution's defaults (admins, audited). */
  setDefaults(actor: Actor, value: RetentionRules): Promise<RetentionRules> {
    requireRole(actor, ['admin']);
    return setRetentionDefaults(this.deps.db, actor, value, this.deps.clock.now());
  }

  /** The scheduled sweep (no actor), or one an admin starts now. */
  async sweep(actor?: Actor): Promise<RetentionRunReport> {
    if (actor) requireRole(actor, ['admin']);
    const report = await runRetentionSweep(this.deps, actor?.userId ?? null);
    const rules = Object.entries(report.sessions) as [RetentionRule, number][];
    rules.forEach(([rule, n], i) => this.onDeleted(rule, n, i === 0 ? report.deleted.bytes : 0));
    return report;
  }

  /** Erase a student's personal data on request (admins). */
  async erase(actor: Actor, userId: string, confirmEmail: string): Promise<ErasureReceipt> {
    const receipt = await eraseUser(this.deps, actor, userId, confirmEmail);
    this.onDeleted('erasure', receipt.sessionsErased, receipt.deleted.bytes);
    return receipt;
  }
}
