import { QuestionMark, QuestionMarks } from '@invigil/contracts';
import { api } from './client';

const enc = encodeURIComponent;
const marks = (sessionId: string) => `/api/sessions/${enc(sessionId)}/marks`;

/**
 * "Marked for review" of an attempt (see question-marks.service): the student sets them in the
 * exam room; the student and the exam's staff read them.
 */
export const questionMarksApi = {
  list: (sessionId: string, signal?: AbortSignal) =>
    api(marks(sessionId), { schema: QuestionMarks, signal }),
  set: (sessionId: string, questionId: string, marked: boolean) =>
    api(`${marks(sessionId)}/${enc(questionId)}`, {
      schema: QuestionMark,
      method: 'PUT',
      body: { marked },
    }),
};
