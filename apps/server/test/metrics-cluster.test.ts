import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isPostmasterOf, readPostmasterPid, waitFor } from '../src/db/postmaster-pid.js';
import { HttpClient } from './helpers/http-client.js';
import { connectLive, type LiveSocket } from './helpers/live-socket.js';
import { freePort } from './helpers/postgres.js';
import { parseScrape, type Scrape } from './helpers/prometheus-text.js';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(serverDir, 'dist', 'cli.js');
const TOKEN = 'cluster-metrics-scrape-token';

/** GET on a connection of its own (no keep-alive), so the cluster hands it to the next worker. */
function getOnNewConnection(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    http
      .get(url, { agent: false, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

/**
 * `invigil start` with WORKERS=2, as operators run it (the bundled build): every scrape, on
 * the main port with the token or on METRICS_PORT without, whichever worker takes it, shows
 * both processes — their sockets and requests added up, the shared state counted once.
 */
describe('metrics of a cluster', () => {
  it('every scrape on either port shows the whole server, whichever worker answers it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'invigil-metrics-cluster-'));
    // As root, the embedded PostgreSQL runs as the postgres user, who must enter DATA_DIR.
    chmodSync(dir, 0o755);
    const env: Record<string, string | undefined> = { ...process.env, DATA_DIR: dir };
    for (const key of Object.keys(env)) if (key.startsWith('DATABASE_')) delete env[key];
    const [port, metricsPort] = [await freePort(), await freePort()];
    const child = spawn(process.execPath, [cli, 'start'], {
      env: {
        ...env,
        PORT: String(port),
        METRICS_PORT: String(metricsPort),
        METRICS_TOKEN: TOKEN,
        WORKERS: '2',
        LOG_LEVEL: 'warn',
      },
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const sockets: LiveSocket[] = [];
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      // The ready line and the demo's passwords may arrive in separate chunks: wait for both.
      await waitFor(
        () =>
          /2 server processes/.test(out) && /proctor@demo\.invigil\.test\s+demo-\S+\n/.test(out),
        90_000,
      );
      expect(out).toMatch(/2 server processes/);
      const url = `http://127.0.0.1:${port}`;
      const password = /proctor@demo\.invigil\.test\s+(demo-\S+)/.exec(out)?.[1] ?? '';
      const proctor = new HttpClient(url);
      await proctor.login('proctor@demo.invigil.test', password);
      const exams = await proctor.get('/api/exams');
      const examId =
        (exams.body as { items?: { id: string }[] }).items?.[0]?.id ??
        (exams.body as { id: string }[])[0]?.id;
      expect(examId, JSON.stringify(exams.body)).toBeDefined();
      // New connections go to the workers in turn: three sockets are on both processes.
      for (let i = 0; i < 3; i += 1) {
        const socket = await connectLive(url, proctor, `examId=${examId}`, { origin: url });
        await socket.untilReady();
        sockets.push(socket);
      }

      const scrapes: Scrape[] = [];
      for (let i = 0; i < 4; i += 1) {
        const main = await getOnNewConnection(`${url}/metrics`, {
          authorization: `Bearer ${TOKEN}`,
        });
        expect(main.status, main.body).toBe(200);
        scrapes.push(parseScrape(main.body));
        const own = await getOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`);
        expect(own.status, own.body).toBe(200);
        scrapes.push(parseScrape(own.body));
      }
      expect((await getOnNewConnection(`${url}/metrics`)).status).toBe(401);

      const disk = statfsSync(path.join(dir, 'blobs'));
      const states = (s: Scrape) =>
        JSON.stringify(s.samples.filter((x) => x.name === 'invigil_sessions'));
      for (const s of scrapes) {
        expect(s.value('invigil_server_processes')).toBe(2);
        expect(s.value('invigil_websockets_open', { audience: 'staff' })).toBe(3);
        // One sign-in and one exam list, whichever process served them.
        expect(
          s.value('invigil_http_request_duration_seconds_count', {
            route: '/api/auth/login',
            method: 'POST',
          }),
        ).toBe(1);
        expect(
          s.value('invigil_http_request_duration_seconds_count', {
            route: '/api/exams',
            method: 'GET',
          }),
        ).toBe(1);
        // The machine's disk and the database's attempts come from one process, not both.
        expect(s.value('invigil_blob_store_size_bytes')).toBe(disk.blocks * disk.bsize);
        expect(states(s)).toBe(states(scrapes[0]!));
        expect(s.value('invigil_database_up')).toBe(1);
      }

      const pid = readPostmasterPid(path.join(dir, 'postgres'))?.pid;
      for (const socket of sockets) await socket.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      if (pid) expect(isPostmasterOf(pid, path.join(dir, 'postgres'))).toBe(false);
    } finally {
      for (const socket of sockets) await socket.close().catch(() => undefined);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      const pid = readPostmasterPid(path.join(dir, 'postgres'))?.pid;
      if (pid && isPostmasterOf(pid, path.join(dir, 'postgres'))) {
        process.kill(pid, 'SIGQUIT');
        await waitFor(() => !isPostmasterOf(pid, path.join(dir, 'postgres')), 10_000);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
