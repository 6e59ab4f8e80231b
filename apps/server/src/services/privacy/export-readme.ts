/** What the README of an export reports about this one. */
export interface ReadmeFacts {
  name: string;
  email: string;
  generatedAt: Date;
  sessions: number;
  mediaFiles: number;
  /** Zip paths of stored files that could not be read (erased under the retention policy). */
  missing: readonly string[];
}

/**
 * README.txt of a data export: what each file holds, in plain words, and what is not in
 * the zip and why. Kept beside the writer so the two cannot drift far apart.
 */
export function exportReadme(f: ReadmeFacts): string {
  const lines = [
    'Your data held by Invigil',
    '=========================',
    '',
    `For: ${f.name} <${f.email}>`,
    `Made: ${f.generatedAt.toISOString()} (times in the files are UTC; "...Ms" fields are`,
    'milliseconds since 1970-01-01 by your browser\u2019s clock).',
    '',
    'Files',
    '-----',
    'profile.json            your account: name, e-mail, role, sign-ins (address and browser),',
    '                        password reset requests, API tokens (names only, never secrets).',
    'registrations.json      the exams you registered for, with any accommodations.',
    'sessions/<id>/          one folder per exam attempt:',
    '  session.json          the attempt: times, state, score (once released), risk score with',
    '                        its explanation, warnings and other staff actions, raised hands,',
    '                        live views and calls, and what retention or an erasure already',
    '                        deleted (which rule, how many files, when).',
    '  events.ndjson         every event recorded during the attempt, one JSON object per line',
    '                        (what your browser reported and, once the attempt ended, what the',
    "                        server's analysis found).",
    '  flags.json            what the proctoring flagged and the staff decision on each flag.',
    '  notes.json            notes staff wrote about the attempt.',
    '  verdict.json          the review verdict and your response, when there is one.',
    '  answers.json          your answers, questions you marked, and grades once released.',
    '  chat.json             the chat between you and the exam staff during the attempt.',
    '  media/<track>/...     recording segments (webcam, screen, room scan), as recorded.',
    '  media/snapshots/...   still images taken during the attempt.',
    '  media/identity/...    the identity photos from check-in.',
    '',
    `This export holds ${f.sessions} attempt(s) and ${f.mediaFiles} recording or photo file(s).`,
    '',
    'Not included',
    '------------',
    '- Staff are named as "staff": who they are is their personal data, not yours.',
    '- Your password (only a one-way hash is stored) and the secrets of sign-in cookies and',
    '  tokens.',
    '- The face template computed from your identity photo: it is stored encrypted and only',
    '  machine-readable; session.json says whether one is stored, and the photos it came from',
    '  are included.',
    '- While an attempt is still running, its flags, notes and the server\u2019s analysis are',
    '  held back; request a new export after it ends.',
    '- Scores and grades the instructors have not released yet.',
    '- Announcements sent to every student of an exam (they are not about you).',
  ];
  if (f.missing.length > 0) {
    lines.push(
      '',
      'Files no longer stored',
      '----------------------',
      'These were deleted while this export was being made (retention or erasure):',
      ...f.missing.map((p) => `- ${p}`),
    );
  }
  return lines.join('\n') + '\n';
}
