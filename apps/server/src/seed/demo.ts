import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { count } from 'drizzle-orm';
import type { Role } from '@invigil/contracts';
import { DEFAULT_POLICY } from '@invigil/contracts';
import type { Db } from '../db/database.js';
import { examStaff, exams, questions, users } from '../db/schema.js';
import { appendAudit } from '../services/audit/audit.service.js';
import { type QuestionSet, questionColumns } from '../services/exams/questions.service.js';
import { insertUser } from '../services/accounts/users.service.js';

/** A demo account's sign-in details. */
export interface DemoCredential {
  role: Role;
  email: string;
  password: string;
}

const FILE = 'demo-credentials.json';

/** The demo exam's questions: a few of each kind, so it can be taken and graded as it is. */
export const DEMO_QUESTIONS: QuestionSet['questions'] = [
  {
    kind: 'single_choice',
    prompt: 'Which measure of central tendency is least affected by outliers?',
    options: ['Mean', 'Median', 'Range', 'Variance'],
    correctOption: 1,
    points: 2,
  },
  {
    kind: 'single_choice',
    prompt: 'A fair die is rolled once. What is the probability of rolling a number above 4?',
    options: ['1/6', '1/3', '1/2', '2/3'],
    correctOption: 1,
    points: 2,
  },
  {
    kind: 'multiple_choice',
    prompt: 'Which of these are measures of spread? Select all that apply.',
    options: ['Standard deviation', 'Median', 'Interquartile range', 'Mode'],
    correctOptions: [0, 2],
    points: 2,
  },
  {
    kind: 'multiple_choice',
    prompt: 'Which of these distributions are continuous? Select all that apply.',
    options: ['Normal', 'Binomial', 'Exponential', 'Poisson'],
    correctOptions: [0, 2],
    points: 2,
  },
  {
    kind: 'true_false',
    prompt: 'A correlation of 0 means the two variables are independent.',
    answer: false,
    points: 1,
  },
  {
    kind: 'true_false',
    prompt: 'The standard deviation is the square root of the variance.',
    answer: true,
    points: 1,
  },
  {
    kind: 'numeric',
    prompt: 'What is the mean of 2, 4, 6 and 9? (to one decimal place)',
    answer: 5.25,
    tolerance: 0.05,
    points: 2,
  },
  {
    kind: 'numeric',
    prompt: 'How many ways can 3 books be arranged on a shelf?',
    answer: 6,
    tolerance: 0,
    points: 1,
  },
  {
    kind: 'short_text',
    prompt: 'In one or two sentences, explain what a p-value tells you.',
    points: 3,
  },
  {
    kind: 'short_text',
    prompt: 'Name the test you would use to compare the means of two independent samples.',
    points: 2,
  },
  {
    kind: 'essay',
    prompt:
      'A study finds that people who drink coffee live longer. Discuss whether this shows that ' +
      'coffee makes people live longer, and what a better study would look like.',
    points: 5,
  },
  {
    kind: 'essay',
    prompt: 'Explain the difference between a type I and a type II error, with an example of each.',
    points: 5,
  },
];

const DEMO_USERS: { role: Role; email: string; name: string }[] = [
  { role: 'admin', email: 'admin@demo.invigil.test', name: 'Ada Admin' },
  { role: 'proctor', email: 'proctor@demo.invigil.test', name: 'Pat Proctor' },
  { role: 'student', email: 'student1@demo.invigil.test', name: 'Sam Student' },
  { role: 'student', email: 'student2@demo.invigil.test', name: 'Alex Student' },
];

/**
 * Seed one admin, one proctor, two students and one open exam with a few questions — only
 * into an empty database, so real data is never touched. Passwords are random and kept in
 * DATA_DIR/demo-credentials.json (mode 600) so they can be shown again at each start.
 */
export async function seedDemoIfEmpty(
  db: Db,
  dataDir: string,
  now = new Date(),
): Promise<DemoCredential[] | null> {
  const [row] = await db.select({ n: count() }).from(users);
  if (Number(row?.n ?? 0) > 0) return null;
  const creds: DemoCredential[] = DEMO_USERS.map((u) => ({
    role: u.role,
    email: u.email,
    password: `demo-${randomBytes(9).toString('base64url')}`,
  }));
  await db.transaction(async (tx) => {
    const ids: Record<string, string> = {};
    for (const [i, u] of DEMO_USERS.entries()) {
      const created = await insertUser(tx, { ...u, password: creds[i]?.password ?? '' });
      ids[u.email] = created.id;
    }
    const hour = 3_600_000;
    const [exam] = await tx
      .insert(exams)
      .values({
        title: 'Introduction to Statistics — final exam (demo)',
        description:
          'A demo exam that is open now. Register, then take it within the window. ' +
          'Webcam, microphone and screen are recorded.',
        status: 'published',
        opensAt: new Date(now.getTime() - hour),
        closesAt: new Date(now.getTime() + 14 * 24 * hour),
        durationMinutes: 60,
        capacity: 50,
        registrationDeadline: new Date(now.getTime() + 13 * 24 * hour),
        policy: DEFAULT_POLICY,
        createdBy: ids['admin@demo.invigil.test'],
      })
      .returning();
    const proctorId = ids['proctor@demo.invigil.test'];
    if (!exam || !proctorId) throw new Error('demo seed failed');
    await tx.insert(examStaff).values({ examId: exam.id, userId: proctorId, role: 'proctor' });
    // Published, so it has content (the rule the API enforces on publishing).
    await tx
      .insert(questions)
      .values(
        DEMO_QUESTIONS.map((q, position) => ({ examId: exam.id, position, ...questionColumns(q) })),
      );
    await appendAudit(tx, {
      actorId: null,
      action: 'demo.seed',
      entityType: 'exam',
      entityId: exam.id,
      examId: exam.id,
      data: { users: DEMO_USERS.map((u) => u.email) },
    });
  });
  writeFileSync(path.join(dataDir, FILE), JSON.stringify(creds, null, 2), { mode: 0o600 });
  return creds;
}

/** Demo credentials saved by an earlier seed, if any. */
export function readDemoCredentials(dataDir: string): DemoCredential[] | null {
  const file = path.join(dataDir, FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoCredential[];
  } catch {
    return null;
  }
}

/** Printable block of demo credentials. */
export function formatDemoCredentials(creds: DemoCredential[]): string {
  const width = Math.max(...creds.map((c) => c.email.length));
  return [
    'Demo accounts (change or disable them before real use):',
    ...creds.map((c) => `  ${c.role.padEnd(8)} ${c.email.padEnd(width)}  ${c.password}`),
  ].join('\n');
}
