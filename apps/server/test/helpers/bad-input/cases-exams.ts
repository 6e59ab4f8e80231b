import { buildExam } from '../factories.js';
import type { BadInputFixture } from './fixture.js';
import { ANY_QUESTION, type ValueCase } from './target.js';

/** Exams, their schedules, policies, staff and listings out of contract; then their content. */
export function examValueCases(f: BadInputFixture): ValueCase[] {
  const exam = (o: Record<string, unknown>) => ({ ...buildExam({}, f.now()), ...o });
  const policy = (p: Record<string, unknown>) => exam({ policy: p });
  return [
    ['duration 0', () => f.admin.post('/api/exams', exam({ durationMinutes: 0 }))],
    ['duration > 1 day', () => f.admin.post('/api/exams', exam({ durationMinutes: 1441 }))],
    ['duration negative', () => f.admin.post('/api/exams', exam({ durationMinutes: -5 }))],
    ['duration fractional', () => f.admin.post('/api/exams', exam({ durationMinutes: 1.5 }))],
    [
      'duration 1e309',
      () =>
        f.admin.post(
          '/api/exams',
          JSON.stringify(exam({})).replace('"durationMinutes":90', '"durationMinutes":1e309'),
        ),
    ],
    ['capacity 0', () => f.admin.post('/api/exams', exam({ capacity: 0 }))],
    ['capacity 100001', () => f.admin.post('/api/exams', exam({ capacity: 100_001 }))],
    ['title empty', () => f.admin.post('/api/exams', exam({ title: '   ' }))],
    ['title 201 chars', () => f.admin.post('/api/exams', exam({ title: 'x'.repeat(201) }))],
    [
      'description 10001',
      () => f.admin.post('/api/exams', exam({ description: 'x'.repeat(10_001) })),
    ],
    ['status archived on create', () => f.admin.post('/api/exams', exam({ status: 'archived' }))],
    ['opensAt not a date', () => f.admin.post('/api/exams', exam({ opensAt: 'tomorrow' }))],
    [
      'opensAt without offset',
      () => f.admin.post('/api/exams', exam({ opensAt: '2030-01-01T10:00:00' })),
    ],
    [
      'opensAt 30 February',
      () => f.admin.post('/api/exams', exam({ opensAt: '2030-02-30T10:00:00Z' })),
    ],
    [
      'snapshot interval 1',
      () => f.admin.post('/api/exams', policy({ snapshotIntervalSeconds: 1 })),
    ],
    [
      'snapshot interval 301',
      () => f.admin.post('/api/exams', policy({ snapshotIntervalSeconds: 301 })),
    ],
    ['max faces 0', () => f.admin.post('/api/exams', policy({ maxFaces: 0 }))],
    ['max faces 11', () => f.admin.post('/api/exams', policy({ maxFaces: 11 }))],
    ['gaze away 0.5', () => f.admin.post('/api/exams', policy({ gazeAwaySeconds: 0.5 }))],
    ['gaze away 121', () => f.admin.post('/api/exams', policy({ gazeAwaySeconds: 121 }))],
    [
      'allowed url invalid',
      () => f.admin.post('/api/exams', policy({ allowedUrls: ['not a url'] })),
    ],
    [
      '51 allowed urls',
      () =>
        f.admin.post(
          '/api/exams',
          policy({ allowedUrls: Array.from({ length: 51 }, (_, i) => `https://x${i}.example`) }),
        ),
    ],
    ['patch capacity 0', () => f.admin.patch(`/api/exams/${f.examId}`, { capacity: 0 })],
    ['patch nothing', () => f.admin.patch(`/api/exams/${f.examId}`, {})],
    [
      'exam retention 1.5 days',
      () =>
        f.admin.patch(`/api/exams/${f.examId}`, {
          retention: { mediaDaysAfterVerdict: 1.5, identityDays: null, undecidedDays: null },
        }),
    ],
    ['hold without a reason', () => f.admin.put(`/api/exams/${f.examId}/hold`, { reason: '  ' })],
    [
      'staff role admin',
      () => f.admin.put(`/api/exams/${f.examId}/staff/${f.proctor.userId}`, { role: 'admin' }),
    ],
    ['exams ?status=bogus', () => f.admin.get('/api/exams?status=bogus')],
    ['exams ?unknown=1', () => f.admin.get('/api/exams?unknown=1')],
    ['exams ?status twice', () => f.admin.get('/api/exams?status=draft&status=published')],
    ...(['', '?role=admin', '?role=student', '?role=proctor&x=1'] as const).map((q): ValueCase => [
      `staff candidates ${q || 'without ?role'}`,
      () => f.admin.get(`/api/exams/${f.examId}/staff/candidates${q}`),
    ]),
    ...examContentCases(f),
  ];
}

/** Out-of-range input for questions, answers and accommodations. */
function examContentCases(f: BadInputFixture): ValueCase[] {
  const mc = { kind: 'multiple_choice', prompt: 'Pick', options: ['a', 'b'], correctOption: 0 };
  const setQuestions = (questions: unknown[]) =>
    f.admin.put(`/api/exams/${f.examId}/questions`, { questions });
  const answer = (value: unknown) =>
    f.student.put(`/api/sessions/${f.sessionId}/answers/${ANY_QUESTION}`, { value });
  const extra = (extraTimeMinutes: unknown) =>
    f.admin.put(`/api/registrations/${f.registrationId}/accommodations`, { extraTimeMinutes });
  return [
    ['question with one option', () => setQuestions([{ ...mc, options: ['a'] }])],
    ['question with 13 options', () => setQuestions([{ ...mc, options: [...'abcdefghijklm'] }])],
    ['question empty option', () => setQuestions([{ ...mc, options: ['a', ' '] }])],
    ['question empty prompt', () => setQuestions([{ ...mc, prompt: '  ' }])],
    ['question prompt 5001', () => setQuestions([{ ...mc, prompt: 'x'.repeat(5001) }])],
    ['correct option beyond the options', () => setQuestions([{ ...mc, correctOption: 2 }])],
    ['correct option negative', () => setQuestions([{ ...mc, correctOption: -1 }])],
    ['question points 101', () => setQuestions([{ ...mc, points: 101 }])],
    ['question unknown kind', () => setQuestions([{ ...mc, kind: 'poem' }])],
    ...questionTypeCases(f),
    [
      'short text with options',
      () => setQuestions([{ kind: 'short_text', prompt: 'p', options: [] }]),
    ],
    ['201 questions', () => setQuestions(Array.from({ length: 201 }, () => mc))],
    ['answer choice -1', () => answer({ choice: -1 })],
    ['answer choice 1.5', () => answer({ choice: 1.5 })],
    ['answer choice and text', () => answer({ choice: 0, text: 'x' })],
    ['answer text 20001', () => answer({ text: 'x'.repeat(20_001) })],
    ['answer empty', () => answer({})],
    ['extra time -1', () => extra(-1)],
    ['extra time 601', () => extra(601)],
    ['extra time 2.5', () => extra(2.5)],
    ...detectionCases(f),
  ];
}

/** Question kinds, answers and grades out of contract. */
function questionTypeCases(f: BadInputFixture): ValueCase[] {
  const setQuestions = (questions: unknown[]) =>
    f.admin.put(`/api/exams/${f.examId}/questions`, { questions });
  const answer = (value: unknown) =>
    f.student.put(`/api/sessions/${f.sessionId}/answers/${ANY_QUESTION}`, { value });
  const grade = (body: unknown) =>
    f.admin.put(`/api/sessions/${f.sessionId}/answers/${ANY_QUESTION}/grade`, body);
  const multi = {
    kind: 'multiple_choice',
    prompt: 'p',
    options: ['a', 'b'],
    correctOptions: [0],
  };
  const numeric = { kind: 'numeric', prompt: 'p', answer: 1, tolerance: 0 };
  return [
    ['multiple choice no right options', () => setQuestions([{ ...multi, correctOptions: [] }])],
    ['multiple choice option 12', () => setQuestions([{ ...multi, correctOptions: [12] }])],
    [
      'true/false answer "yes"',
      () => setQuestions([{ kind: 'true_false', prompt: 'p', answer: 'yes' }]),
    ],
    [
      'true/false with options',
      () => setQuestions([{ kind: 'true_false', prompt: 'p', answer: true, options: ['a', 'b'] }]),
    ],
    ['numeric without answer', () => setQuestions([{ ...numeric, answer: undefined }])],
    ['numeric answer 1e13', () => setQuestions([{ ...numeric, answer: 1e13 }])],
    ['numeric answer as text', () => setQuestions([{ ...numeric, answer: '1' }])],
    ['numeric tolerance -1', () => setQuestions([{ ...numeric, tolerance: -1 }])],
    ['essay with a key', () => setQuestions([{ kind: 'essay', prompt: 'p', correctOption: 0 }])],
    ['answer choices 13', () => answer({ choices: Array.from({ length: 13 }, () => 0) })],
    ['answer choices -1', () => answer({ choices: [-1] })],
    ['answer number as text', () => answer({ number: '3' })],
    ['answer number 1e13', () => answer({ number: 1e13 })],
    ['grade points -1', () => grade({ points: -1 })],
    ['grade points 101', () => grade({ points: 101 })],
    ['grade points 1.5', () => grade({ points: 1.5 })],
    ['grade without points', () => grade({ comment: 'x' })],
    ['grade comment 5001', () => grade({ points: 1, comment: 'x'.repeat(5001) })],
    ['grade unknown field', () => grade({ points: 1, verdict: 'pass' })],
  ];
}

/** Detector policy, detector accommodations and detector event data out of contract. */
function detectionCases(f: BadInputFixture): ValueCase[] {
  const accommodate = (body: unknown) =>
    f.admin.put(`/api/registrations/${f.registrationId}/accommodations`, body);
  const policy = (p: unknown) => f.admin.patch(`/api/exams/${f.examId}`, { policy: p });
  const detect = (type: string, data: unknown) =>
    f.student.post(`/api/sessions/${f.sessionId}/events`, {
      events: [{ seq: 0, type, at: f.now(), data }],
    });
  const state = { detector: 'no_face', active: true, confidence: 0.9, model: 'm' };
  return [
    ['accommodations empty', () => accommodate({})],
    ['accommodation unknown detector', () => accommodate({ detectors: { ghost: {} } })],
    [
      'accommodation minSeconds 601',
      () => accommodate({ detectors: { no_face: { minSeconds: 601 } } }),
    ],
    [
      'accommodation unknown field',
      () => accommodate({ detectors: { no_face: { severity: 'low' } } }),
    ],
    [
      'policy detector without severity',
      () => policy({ detectors: { no_face: { enabled: true, minSeconds: 5 } } }),
    ],
    ['policy serverAnalysisSeconds -1', () => policy({ serverAnalysisSeconds: -1 })],
    ['detect.state unknown detector', () => detect('detect.state', { ...state, detector: 'x' })],
    ['detect.state confidence 2', () => detect('detect.state', { ...state, confidence: 2 })],
    ['detect.state no model', () => detect('detect.state', { ...state, model: undefined })],
    ['detect.snapshot faces -1', () => detect('detect.snapshot', { snapshotSeq: 0, faces: -1 })],
  ];
}
