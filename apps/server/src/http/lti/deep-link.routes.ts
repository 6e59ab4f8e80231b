import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import type {
  LtiDeepLinkingService,
  NewExamChoice,
} from '../../services/lti/deep-linking.service.js';
import { ltiError } from '../../services/lti/lti-errors.js';
import { chooserPage, deepLinkReturnPage } from '../../services/lti/pages.js';
import { ltiPageErrorHandler } from './launch.routes.js';
import { acceptForms, newNonce, sendPage } from './page-reply.js';

const Params = z.object({ requestId: z.string().min(1).max(100) });

const ChoiceForm = z.object({
  examId: z.string().max(100).optional(),
  create: z.string().max(10).optional(),
  title: z.string().max(1000).optional(),
  opensAt: z.string().max(100).optional(),
  closesAt: z.string().max(100).optional(),
  opensAtIso: z.string().max(100).optional(),
  closesAtIso: z.string().max(100).optional(),
  durationMinutes: z.string().max(20).optional(),
});
type ChoiceForm = z.infer<typeof ChoiceForm>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A time from the form: the instant the browser computed (`…Iso`), else the typed local time
 * read as UTC (without script the server cannot know the person's time zone).
 */
function timeOf(iso: string | undefined, local: string | undefined): Date | null {
  const value = iso || (local && (/(z|[+-]\d\d:\d\d)$/i.test(local) ? local : `${local}Z`));
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The new exam the form describes, or the sentence saying what is missing. */
function newExamOf(f: ChoiceForm): NewExamChoice | string {
  const title = f.title?.trim() ?? '';
  if (!title || title.length > 200) return 'Give the exam a title (at most 200 characters).';
  const opensAt = timeOf(f.opensAtIso, f.opensAt);
  const closesAt = timeOf(f.closesAtIso, f.closesAt);
  if (!opensAt || !closesAt) return 'Choose when the exam opens and closes.';
  const durationMinutes = Number(f.durationMinutes);
  if (!Number.isInteger(durationMinutes) || durationMinutes < 1 || durationMinutes > 1440) {
    return 'The duration is a whole number of minutes, from 1 to 1440.';
  }
  return { title, opensAt, closesAt, durationMinutes };
}

/**
 * The deep-linking chooser: an instructor picks or creates the exam a new course link opens,
 * and the signed answer is posted back to the platform. Public like the launch routes: the
 * request id (random, single-use, 30 minutes) is the credential.
 */
export async function ltiDeepLinkRoutes(
  app: FastifyInstance,
  opts: { deepLinking: LtiDeepLinkingService },
) {
  acceptForms(app);
  app.setErrorHandler(ltiPageErrorHandler);
  const config = { auth: 'public' as const };
  const schema = { hide: true };

  const showChooser = async (requestId: string, status: number, error?: string) => {
    const request = await opts.deepLinking.open(requestId);
    const nonce = newNonce();
    const html = chooserPage({
      nonce,
      requestId,
      userName: request.userName,
      contextTitle: request.row.contextTitle,
      exams: await opts.deepLinking.choices(request),
      ...(error && { error }),
    });
    return { status, html, nonce };
  };

  app.get('/lti/deep-link/:requestId', { config, schema }, async (req, reply) => {
    const params = Params.safeParse(req.params);
    if (!params.success) throw ltiError('LTI_DEEP_LINK_INVALID', 'malformed request id');
    const page = await showChooser(params.data.requestId, 200);
    return sendPage(reply, page.status, page.html, page.nonce);
  });

  app.post('/lti/deep-link/:requestId', { config, schema }, async (req, reply) => {
    const params = Params.safeParse(req.params);
    if (!params.success) throw ltiError('LTI_DEEP_LINK_INVALID', 'malformed request id');
    const { requestId } = params.data;
    const form = ChoiceForm.safeParse(req.body ?? {});
    const f = form.success ? form.data : {};
    let choice: Parameters<LtiDeepLinkingService['choose']>[1];
    if (f.examId !== undefined && !f.create) {
      if (!UUID.test(f.examId)) {
        const page = await showChooser(requestId, 400, 'Choose one of the exams listed.');
        return sendPage(reply, page.status, page.html, page.nonce);
      }
      choice = { examId: f.examId };
    } else {
      const newExam = newExamOf(f);
      if (typeof newExam === 'string') {
        const page = await showChooser(requestId, 400, newExam);
        return sendPage(reply, page.status, page.html, page.nonce);
      }
      choice = { newExam };
    }
    let answer;
    try {
      answer = await opts.deepLinking.choose(requestId, choice);
    } catch (error) {
      // A schedule or exam the person can fix or pick again: the chooser again, with why.
      if (
        error instanceof AppError &&
        error.status < 500 &&
        !error.code.startsWith('LTI_') &&
        error.code !== 'FORBIDDEN'
      ) {
        const page = await showChooser(requestId, error.status, error.message);
        return sendPage(reply, page.status, page.html, page.nonce);
      }
      throw error;
    }
    const nonce = newNonce();
    const html = deepLinkReturnPage({
      nonce,
      returnUrl: answer.returnUrl,
      jwt: answer.jwt,
      examTitle: answer.exam.title,
    });
    return sendPage(reply, 200, html, nonce, [new URL(answer.returnUrl).origin]);
  });
}
