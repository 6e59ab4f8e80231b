import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPage } from '@invigil/contracts';
import { auditCsvChunks, planExport } from '../src/services/audit/audit-export.js';
import { auditConditions } from '../src/services/audit/audit-query.js';
import { exportAudit } from '../src/services/audit/audit.service.js';
import { buildExam } from './helpers/factories.js';
import { expectError, expectValidationDetails } from './helpers/matrix-errors.js';
import {
  requestEngines,
  startTestServer,
  TEST_PASSWORD,
  type TestServer,
} from './helpers/test-server.js';

type Client = Awaited<ReturnType<TestServer['signedIn']>>;

/** RFC 4180 records: quoted fields may hold commas, doubled quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the last record ends with CRLF').toBe('');
  expect(record).toEqual([]);
  return records;
}

const HEADER = 'id,at,actor_id,actor_email,action,entity_type,entity_id,exam_id,data';

describe.each(requestEngines())('the audit viewer’s API on %s', (engine) => {
  let server: TestServer;
  let admin: Client;
  /** An admin whose e-mail starts with `-`, which a spreadsheet would read as a formula. */
  let dashAdmin: { id: string; email: string };
  let lockedId: string;
  let examId: string;
  let all: AuditEntry[];

  const list = async (query: string): Promise<AuditEntry[]> => {
    const res = await admin.get(`/api/audit?limit=1000${query ? `&${query}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as AuditEntry[];
  };
  const page = async (query: string): Promise<AuditPage> => {
    const res = await admin.get(`/api/audit/page?${query}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as AuditPage;
  };
  const ids = (entries: AuditEntry[]) => entries.map((e) => e.id);
  const exportCsv = (client: Client, query = '') =>
    client.get<string>(`/api/audit/export.csv${query ? `?${query}` : ''}`);

  beforeAll(async () => {
    server = await startTestServer(engine, {
      signInThrottle: { freeFailures: 2, maxDelayMs: 60_000 },
    });
    admin = await server.signedIn('admin');

    // Real actions, each audited: accounts made by two admins, failed sign-ins that start a
    // wait (auth.throttle), an exam, a rename.
    const created = await admin.post('/api/users', {
      email: '-dash@example.edu',
      name: 'Dash Admin',
      role: 'admin',
      password: TEST_PASSWORD,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    dashAdmin = { id: created.body.id, email: created.body.email };
    const dash = server.anonymous();
    await dash.login(dashAdmin.email, TEST_PASSWORD);
    for (const email of ['zed.one@example.edu', 'zed.two@example.edu']) {
      const res = await dash.post('/api/users', {
        email,
        name: 'Zed',
        role: 'student',
        password: TEST_PASSWORD,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      if (email.startsWith('zed.one')) lockedId = res.body.id;
    }
    for (let i = 0; i < 3; i++) {
      const res = await server
        .anonymous()
        .post('/api/auth/login', { email: 'zed.one@example.edu', password: 'wrong password!!' });
      expect(res.status).toBeGreaterThanOrEqual(400);
    }
    const exam = await admin.post('/api/exams', buildExam({ title: 'Algebra, "final"' }));
    expect(exam.status, JSON.stringify(exam.body)).toBe(201);
    examId = exam.body.id;
    const renamed = await admin.patch(`/api/users/${lockedId}`, { name: '=1+1' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);

    all = await list('');
  });
  afterAll(async () => server?.close());

  it('lists everything newest first, and the old ?limit=&examId= query still works', async () => {
    expect(all.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.create', 'auth.throttle', 'exam.create', 'user.update']),
    );
    expect(ids(all)).toEqual([...ids(all)].sort((a, b) => b - a));
    const two = await admin.get('/api/audit?limit=2');
    expect(ids(two.body)).toEqual(ids(all).slice(0, 2));
    const byExam = await admin.get(`/api/audit?examId=${examId}&limit=100`);
    expect(byExam.body.map((e: AuditEntry) => e.action)).toEqual(['exam.create']);
  });

  /** What the API answers for `query` is exactly the entries of the log that `match`. */
  const expectFiltered = async (query: string, match: (e: AuditEntry) => boolean) => {
    const got = await list(query);
    expect(ids(got), query).toEqual(ids(all.filter(match)));
    return got;
  };

  it('filters by actor: an e-mail fragment in any case, or the user id exactly', async () => {
    const fragment = admin.email.slice(0, 8).toUpperCase();
    const byAdmin = (e: AuditEntry) => e.actorId === admin.userId;
    const byEmail = await expectFiltered(`actor=${encodeURIComponent(fragment)}`, byAdmin);
    expect(byEmail.length).toBeGreaterThan(0);
    await expectFiltered(`actor=${admin.userId}`, byAdmin);
    await expectFiltered(`actor=${admin.userId.toUpperCase()}`, byAdmin);

    const byDash = await expectFiltered('actor=-DASH@', (e) => e.actorId === dashAdmin.id);
    expect(byDash.filter((e) => e.action === 'user.create')).toHaveLength(2);
    expect(byDash.every((e) => e.actorEmail === dashAdmin.email)).toBe(true);
    // LIKE's wildcards are matched literally, not as wildcards.
    expect(await list('actor=%25')).toEqual([]);
    expect(await list('actor=_')).toEqual([]);
    expect(await list(`actor=${crypto.randomUUID()}`)).toEqual([]);
    // Empty text filters are no filters (a form sent as it is).
    expect(ids(await list('actor=&action=&entityType=&entityId='))).toEqual(ids(all));
  });

  it('filters by action: exactly, or every action under a prefix ending in a dot', async () => {
    const creates = await expectFiltered('action=user.create', (e) => e.action === 'user.create');
    expect(creates).toHaveLength(3);
    const users = await expectFiltered('action=user.', (e) => e.action.startsWith('user.'));
    expect(new Set(users.map((e) => e.action))).toEqual(new Set(['user.create', 'user.update']));
    const auth = await expectFiltered('action=auth.', (e) => e.action.startsWith('auth.'));
    expect(auth.map((e) => e.action)).toContain('auth.throttle');
    expect(await list('action=auth')).toEqual([]);
    expect(await list('action=user')).toEqual([]);
  });

  it('filters by target and by exam', async () => {
    const target = await expectFiltered(
      `entityType=user&entityId=${lockedId}`,
      (e) => e.entityType === 'user' && e.entityId === lockedId,
    );
    expect(target.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user.update', 'auth.throttle', 'user.create']),
    );
    const throttle = target.find((e) => e.action === 'auth.throttle');
    expect(throttle?.actorId).toBeNull();
    expect(throttle?.actorEmail).toBeNull();
    await expectFiltered(`entityId=${lockedId}`, (e) => e.entityId === lockedId);
    expect((await list('entityType=exam')).map((e) => e.entityId)).toEqual([examId]);
    expect(await list(`entityType=exam&entityId=${lockedId}`)).toEqual([]);
    expect((await list(`examId=${examId}`)).map((e) => e.action)).toEqual(['exam.create']);
    const combined = await list(`actor=${admin.userId}&action=user.&entityType=user`);
    expect(combined.map((e) => e.action)).toEqual(['user.update', 'user.create']);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    const pivot = all[Math.floor(all.length / 2)]!.at;
    const from = await list(`from=${encodeURIComponent(pivot)}`);
    const to = await list(`to=${encodeURIComponent(pivot)}`);
    expect(from.every((e) => e.at >= pivot)).toBe(true);
    expect(to.every((e) => e.at < pivot)).toBe(true);
    expect(from.some((e) => e.at === pivot)).toBe(true);
    // Together they are the whole log, each entry once.
    expect([...ids(from), ...ids(to)].sort()).toEqual([...ids(all)].sort());
    // Any offset names the same instant.
    const shifted = new Date(Date.parse(pivot)).toISOString().replace('Z', '+00:00');
    expect(ids(await list(`from=${encodeURIComponent(shifted)}`))).toEqual(ids(from));
    const end = new Date(Date.parse(all[0]!.at) + 1).toISOString();
    expect(ids(await list(`from=${encodeURIComponent(pivot)}&to=${end}`))).toEqual(ids(from));
    expect(await list(`from=${end}`)).toEqual([]);
  });

  it('pages through everything by keyset, without duplicates or gaps', async () => {
    const walk = async (filters: string) => {
      const seen: number[] = [];
      let before: number | null = null;
      let pages = 0;
      do {
        const p = await page(`limit=2${filters}${before ? `&before=${before}` : ''}`);
        expect(p.entries.length).toBeLessThanOrEqual(2);
        seen.push(...ids(p.entries));
        before = p.nextBefore;
        if (before !== null) expect(before).toBe(p.entries.at(-1)!.id);
        pages += 1;
        expect(pages).toBeLessThan(100);
      } while (before !== null);
      return seen;
    };
    const everything = await walk('');
    expect(everything).toEqual(ids(all));
    expect(new Set(everything).size).toBe(everything.length);
    expect(await walk('&action=user.')).toEqual(ids(await list('action=user.')));
    // A full last page says so: no empty page after it.
    const exact = await page(`limit=${all.length}`);
    expect(exact.nextBefore).toBeNull();
    expect(await page(`before=${all.at(-1)!.id}`)).toEqual({ entries: [], nextBefore: null });
    expect(ids(await list(`before=${all[1]!.id}`))).toEqual(ids(all).slice(2));
  });

  it('refuses bad input with 400 VALIDATION_FAILED', async () => {
    const later = '2025-02-01T00:00:00Z';
    const earlier = '2025-01-01T00:00:00Z';
    for (const path of ['/api/audit', '/api/audit/page']) {
      for (const q of [
        `from=${later}&to=${earlier}`,
        `from=${later}&to=${later}`,
        'limit=0',
        'limit=1001',
        'from=yesterday',
        'to=2025-01-01',
        'unknown=1',
        'before=0',
        'before=abc',
        'examId=nope',
        'action=user%20create',
        `actor=${'a'.repeat(255)}`,
      ]) {
        const details = expectValidationDetails(await admin.get(`${path}?${q}`));
        expect(details.length, `${path}?${q}`).toBeGreaterThan(0);
      }
    }
    const order = expectValidationDetails(
      await admin.get(`/api/audit/page?from=${later}&to=${earlier}`),
    );
    expect(order.map((d) => d.message).join(' ')).toMatch(/before/);
    for (const q of [`from=${later}&to=${earlier}`, 'limit=10', 'from=yesterday', 'x=1']) {
      expectValidationDetails(await exportCsv(admin, q));
    }
  });

  it('is for admins only: 403 for other roles, 401 without a session', async () => {
    for (const role of ['student', 'proctor', 'instructor'] as const) {
      const other = await server.signedIn(role);
      expectError(await other.get('/api/audit'), 403, 'FORBIDDEN');
      expectError(await other.get('/api/audit/page'), 403, 'FORBIDDEN');
      expectError(await exportCsv(other), 403, 'FORBIDDEN');
    }
    const anonymous = server.anonymous();
    expectError(await anonymous.get('/api/audit'), 401, 'UNAUTHENTICATED');
    expectError(await anonymous.get('/api/audit/page'), 401, 'UNAUTHENTICATED');
    expectError(await anonymous.get('/api/audit/export.csv'), 401, 'UNAUTHENTICATED');
  });

  it('exports every matching row as escaped CSV, and audits the export', async () => {
    const before = await list('');
    const res = await exportCsv(admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(
      /^attachment; filename="invigil-audit-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    expect(res.headers.get('x-audit-rows')).toBe(String(before.length));
    expect(res.headers.get('x-audit-truncated')).toBe('false');
    expect(res.body.startsWith(`${HEADER}\r\n`)).toBe(true);
    const [header, ...rows] = parseCsv(res.body);
    expect(header?.join(',')).toBe(HEADER);
    expect(rows.map((r) => Number(r[0]))).toEqual(ids(before));

    const byId = new Map(rows.map((r) => [Number(r[0]), r]));
    for (const e of before) {
      const row = byId.get(e.id)!;
      const unguard = (v: string) => (/^'[=+\-@\t\r]/.test(v) ? v.slice(1) : v);
      expect(row.slice(1, 8).map(unguard)).toEqual(
        [e.at, e.actorId, e.actorEmail, e.action, e.entityType, e.entityId, e.examId].map(
          (v) => v ?? '',
        ),
      );
      expect(JSON.parse(row[8]!)).toEqual(e.data);
    }
    // The formula guard: an e-mail starting with `-` gets a leading quote, nothing else does.
    const dashRows = rows.filter((r) => r[2] === dashAdmin.id);
    expect(dashRows.length).toBe(before.filter((e) => e.actorId === dashAdmin.id).length);
    expect(dashRows.length).toBeGreaterThanOrEqual(2);
    expect(dashRows.every((r) => r[3] === `'${dashAdmin.email}`)).toBe(true);
    expect(res.body).toContain(`,'${dashAdmin.email},`);
    // Commas and quotes in data are quoted and doubled; data keys are sorted.
    expect(res.body).toContain('"{""status"":""published"",""title"":""Algebra, \\""final\\""""}"');
    expect(res.body).toContain('"{""name"":""=1+1""}"');

    const audited = (await list('action=audit.export'))[0]!;
    expect(audited).toMatchObject({
      actorId: admin.userId,
      action: 'audit.export',
      entityType: 'audit_log',
      examId: null,
      data: { filters: {}, rows: before.length, truncated: false },
    });
    // The export does not contain its own entry.
    expect(byId.has(audited.id)).toBe(false);
  });

  it('exports with the filters, records them, and sends only the header when nothing matches', async () => {
    const res = await exportCsv(admin, `action=user.&actor=${admin.userId}`);
    expect(res.status).toBe(200);
    const [, ...rows] = parseCsv(res.body);
    expect(rows.map((r) => r[4])).toEqual(['user.update', 'user.create']);
    expect(rows.every((r) => r[2] === admin.userId)).toBe(true);
    const audited = (await list('action=audit.export'))[0]!;
    expect(audited.data).toEqual({
      filters: { action: 'user.', actor: admin.userId },
      rows: 2,
      truncated: false,
    });

    const scoped = await exportCsv(admin, `examId=${examId}`);
    expect(
      parseCsv(scoped.body)
        .slice(1)
        .map((r) => r[4]),
    ).toEqual(['exam.create']);
    expect((await list(`examId=${examId}&action=audit.export`)).length).toBe(1);

    const none = await exportCsv(admin, 'action=nothing.like.this');
    expect(none.status).toBe(200);
    expect(none.body).toBe(`${HEADER}\r\n`);
    expect(none.headers.get('x-audit-rows')).toBe('0');
  });

  it('walks the export in pages by keyset and stops at the row cap', async () => {
    const db = server.instance.database.db;
    const current = await list('');
    const where = auditConditions({});
    const plan = await planExport(db, where, 1_000_000);
    expect(plan).toEqual({ newestId: current[0]!.id, rows: current.length, truncated: false });
    let text = '';
    for await (const chunk of auditCsvChunks(db, where, plan, 2)) text += chunk;
    expect(
      parseCsv(text)
        .slice(1)
        .map((r) => Number(r[0])),
    ).toEqual(ids(current));

    const actor = {
      userId: admin.userId,
      email: admin.email,
      role: 'admin',
      via: 'cookie',
    } as const;
    const capped = await exportAudit(db, actor, {}, new Date(), 3);
    expect(capped).toMatchObject({ rows: 3, truncated: true });
    let cappedText = '';
    for await (const chunk of capped.chunks) cappedText += chunk;
    // The newest three before the export's own entry.
    expect(
      parseCsv(cappedText)
        .slice(1)
        .map((r) => Number(r[0])),
    ).toEqual(ids(current).slice(0, 3));
    expect((await list('action=audit.export'))[0]!.data).toMatchObject({
      rows: 3,
      truncated: true,
    });
  });
});
