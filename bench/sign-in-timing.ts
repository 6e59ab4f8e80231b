/**
 * Do sign-in and "forgot password" answer as fast for an unknown e-mail as for an existing
 * account? A timing difference would tell an attacker which addresses have accounts.
 *
 *   npm run bench:sign-in            (BENCH_ROUNDS=300 pairs per endpoint by default)
 *
 * Starts a real server (from the sources, embedded database, e-mail to a local catcher) and
 * times, from this separate process, interleaved pairs of requests in random order:
 * - POST /api/auth/login with a wrong password, for an existing account and for an unknown
 *   address. Every request comes from a new client address (TRUST_PROXY=1, X-Forwarded-For)
 *   and no known-browser cookie, and accounts and unknown addresses are each a pool used
 *   round-robin, so both kinds do the same throttle bookkeeping and no wait ever applies.
 * - POST /api/auth/password-reset, for an existing account (a link is made and mailed after
 *   the answer) and for an unknown address. Each pair waits until the account's e-mail has
 *   arrived, so no answer queues behind the previous request's work.
 * Prints medians, p90, the ratio of medians with a bootstrap 95 % interval, and a Mann–Whitney
 * U test. A benchmark, not a test: machines are noisy, so nothing here passes or fails.
 */
import { performance } from 'node:perf_hooks';
import { startTestMailbox } from '../apps/server/src/ports/mailer.contract.js';
import { startInvigil } from './load/server-under-test.js';
import { bootstrapMedianRatio, mannWhitney, median, prng, quantile } from './timing-stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 300);
const ACCOUNTS = 100;
const WARM_UP = 20;
const PASSWORD = 'bench passphrase that is long enough';
const random = prng(20_261_205);

let addressCounter = 0;
/** A client address no request has come from yet. */
const freshAddress = () => {
  addressCounter += 1;
  return `10.${(addressCounter >> 16) & 255}.${(addressCounter >> 8) & 255}.${addressCounter & 255}`;
};

const mailbox = await startTestMailbox();
const server = await startInvigil({
  fromSource: true,
  env: {
    TRUST_PROXY: '1',
    SIGN_IN_FREE_FAILURES: '100',
    LOGIN_RATE_LIMIT_PER_MINUTE: '10000',
    SMTP_URL: `smtp://127.0.0.1:${mailbox.port}`,
    SMTP_FROM: 'Invigil <invigil@bench.invigil.test>',
  },
});

/** POST JSON and time it until the whole answer is read. */
async function timedPost(path: string, body: unknown, headers: Record<string, string> = {}) {
  const start = performance.now();
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  await res.text();
  return { status: res.status, ms: performance.now() - start };
}

async function adminSession() {
  const admin = server.admin!;
  const login = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': freshAddress() },
    body: JSON.stringify(admin),
  });
  if (login.status !== 200) throw new Error(`admin sign-in: ${login.status}`);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  return { cookie, csrfToken };
}

/** Create the pool of existing accounts in one CSV import. */
async function createAccounts(): Promise<string[]> {
  const emails = Array.from({ length: ACCOUNTS }, (_, i) => `existing-${i}@bench.invigil.test`);
  const csv = [
    'email,name,role,password',
    ...emails.map((e, i) => `${e},Bench ${i},student,${PASSWORD}`),
  ];
  const { cookie, csrfToken } = await adminSession();
  const res = await fetch(`${server.url}/api/users/import`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ csv: `${csv.join('\n')}\n` }),
  });
  const report = (await res.json()) as { created: number };
  if (report.created !== ACCOUNTS) throw new Error(`import: ${JSON.stringify(report)}`);
  return emails;
}

interface Samples {
  existing: number[];
  unknown: number[];
  statuses: Set<string>;
}

/** Run `rounds` pairs, each pair in random order; `after` runs once a pair is answered. */
async function pairs(
  rounds: number,
  send: (kind: 'existing' | 'unknown', i: number) => Promise<{ status: number; ms: number }>,
  after?: (i: number) => Promise<void>,
): Promise<Samples> {
  const samples: Samples = { existing: [], unknown: [], statuses: new Set() };
  for (let i = 0; i < rounds; i++) {
    const order: ('existing' | 'unknown')[] =
      random() < 0.5 ? ['existing', 'unknown'] : ['unknown', 'existing'];
    for (const kind of order) {
      const { status, ms } = await send(kind, i);
      samples[kind].push(ms);
      samples.statuses.add(`${kind} ${status}`);
    }
    await after?.(i);
  }
  return samples;
}

async function mailsReach(email: string, count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (mailbox.received.filter((m) => m.to.includes(email)).length < count) {
    if (Date.now() > deadline) throw new Error(`no e-mail reached ${email}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function report(title: string, s: Samples): string {
  const fmt = (x: number) => x.toFixed(2);
  const mw = mannWhitney(s.existing, s.unknown);
  const ci = bootstrapMedianRatio(s.existing, s.unknown);
  const ratio = median(s.existing) / median(s.unknown);
  return [
    `${title} (${s.existing.length} pairs; answers: ${[...s.statuses].sort().join(', ')})`,
    `| account  | median ms | p90 ms |`,
    `| existing | ${fmt(median(s.existing))} | ${fmt(quantile(s.existing, 0.9))} |`,
    `| unknown  | ${fmt(median(s.unknown))} | ${fmt(quantile(s.unknown, 0.9))} |`,
    `ratio of medians existing ÷ unknown: ${ratio.toFixed(3)} (bootstrap 95 %: ${ci.low.toFixed(3)}–${ci.high.toFixed(3)})`,
    `Mann–Whitney: P(existing slower) = ${mw.probabilityGreater.toFixed(3)}, z = ${mw.z.toFixed(2)}, p = ${mw.p.toFixed(3)}`,
  ].join('\n');
}

try {
  const existing = await createAccounts();
  const unknown = existing.map((_, i) => `nobody-${i}@bench.invigil.test`);
  const pick = (kind: 'existing' | 'unknown', i: number) =>
    (kind === 'existing' ? existing : unknown)[i % ACCOUNTS]!;
  const signIn = (kind: 'existing' | 'unknown', i: number) =>
    timedPost(
      '/api/auth/login',
      { email: pick(kind, i), password: 'not the password at all' },
      { 'x-forwarded-for': freshAddress() },
    );
  await pairs(WARM_UP, signIn);
  const signIns = await pairs(ROUNDS, signIn);

  // Each existing account may be mailed 3 links an hour: spread the rounds over the pool.
  const resetRounds = Math.min(ROUNDS, ACCOUNTS * 3);
  const reset = (kind: 'existing' | 'unknown', i: number) =>
    timedPost(
      '/api/auth/password-reset',
      { email: pick(kind, i) },
      { 'x-forwarded-for': freshAddress() },
    );
  const resets = await pairs(resetRounds, reset, (i) =>
    mailsReach(pick('existing', i), Math.floor(i / ACCOUNTS) + 1),
  );

  console.log(`Node ${process.version}, database: ${server.engine}\n`);
  console.log(report('Sign-in with a wrong password', signIns));
  console.log('');
  console.log(report('Password reset request', resets));
} finally {
  await server.stop();
  await mailbox.close();
}
