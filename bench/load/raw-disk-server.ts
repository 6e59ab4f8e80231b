import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';

/**
 * The raw-disk reference: the least any server must do for the bench's uploads. For each
 * PUT it checks the body's SHA-256 against x-sha256 and stores the bytes durably (temp file,
 * fsync, rename, fsync of the directory) before acknowledging; event batches are stored the
 * same way. No sign-in, no database: what it holds is kept in memory for the end-of-run check
 * (GET …/recording and …/events answer like Invigil's manifest and timeline).
 * Run as its own process: PORT=… DATA_DIR=… node --import tsx bench/load/raw-disk-server.ts
 */

const port = Number(process.env.PORT ?? 0);
const root = process.env.DATA_DIR ?? '/tmp/invigil-reference';
const tmpDir = path.join(root, '.tmp');
mkdirSync(tmpDir, { recursive: true });

interface Item {
  track?: string;
  kind?: string;
  seq: number;
  sha256: string;
}
const sessions = new Map<string, { segments: Item[]; snapshots: Item[]; events: number[] }>();
const dirsMade = new Set<string>();
let tmpCounter = 0;

function sessionOf(id: string) {
  let s = sessions.get(id);
  if (!s) sessions.set(id, (s = { segments: [], snapshots: [], events: [] }));
  return s;
}

async function fsyncDir(dir: string): Promise<void> {
  const fd = await open(dir, 'r');
  try {
    await fd.sync();
  } finally {
    await fd.close();
  }
}

/** Write `bytes` under `rel` durably: temp file, fsync, rename into place, fsync the directory. */
async function storeDurably(rel: string, bytes: Buffer): Promise<void> {
  const target = path.join(root, rel);
  const dir = path.dirname(target);
  if (!dirsMade.has(dir)) {
    mkdirSync(dir, { recursive: true });
    dirsMade.add(dir);
  }
  const temp = path.join(tmpDir, `${process.pid}-${tmpCounter++}`);
  const fd = await open(temp, 'w');
  try {
    await fd.writeFile(bytes);
    await fd.sync();
  } finally {
    await fd.close();
  }
  await rename(temp, target);
  await fsyncDir(dir);
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const UPLOAD = /^\/api\/sessions\/([^/]+)\/(media|snapshots)\/([^/]+)\/(\d+)$/;
const EVENTS = /^\/api\/sessions\/([^/]+)\/events$/;
const MANIFEST = /^\/api\/sessions\/([^/]+)\/recording$/;

async function handle(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) {
  const url = req.url ?? '';
  let m = UPLOAD.exec(url);
  if (req.method === 'PUT' && m) {
    const [, id, target, name, seqText] = m as unknown as [string, string, string, string, string];
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== String(req.headers['x-sha256'] ?? '').toLowerCase()) {
      return send(res, 400, {
        code: 'HASH_MISMATCH',
        message: 'The body does not hash to x-sha256',
      });
    }
    const seq = Number(seqText);
    await storeDurably(`${id}/${target}/${name}/${seq}`, body);
    const s = sessionOf(id);
    if (target === 'media') s.segments.push({ track: name, seq, sha256 });
    else s.snapshots.push({ kind: name, seq, sha256 });
    return send(res, 201, { stored: true, duplicate: false, sha256 });
  }
  m = EVENTS.exec(url);
  if (req.method === 'POST' && m) {
    const batch = JSON.parse(body.toString('utf8')) as { events: { seq: number }[] };
    const seqs = batch.events.map((e) => e.seq);
    await storeDurably(`${m[1]}/events/${seqs[0]}-${seqs.length}`, body);
    sessionOf(m[1]!).events.push(...seqs);
    return send(res, 200, { accepted: seqs, duplicates: [] });
  }
  if (req.method === 'GET' && m) {
    const s = sessionOf(m[1]!);
    return send(
      res,
      200,
      s.events.map((seq) => ({ source: 'client', seq })),
    );
  }
  m = MANIFEST.exec(url);
  if (req.method === 'GET' && m) {
    const s = sessionOf(m[1]!);
    return send(res, 200, { sessionId: m[1], segments: s.segments, snapshots: s.snapshots });
  }
  if (req.method === 'GET' && url === '/healthz')
    return send(res, 200, { status: 'ok', database: 'none' });
  return send(res, 404, { code: 'NOT_FOUND', message: `${req.method} ${url}` });
}

const server = http.createServer({ keepAliveTimeout: 72_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    handle(req, res, Buffer.concat(chunks)).catch((err: Error) =>
      send(res, 500, { code: 'INTERNAL', message: err.message }),
    );
  });
});
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(
    `reference listening on ${typeof address === 'object' && address ? address.port : port}`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
