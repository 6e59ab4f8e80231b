import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One call a receiver got. */
export interface ReceivedCall {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A local webhook receiver that keeps every call. `status` chooses each answer from the path
 * and how many calls that path had (1 for the first): 200 unless told otherwise, so a test can
 * make a receiver that fails, or fails first and then recovers.
 */
export async function startWebhookReceiver(
  status: (path: string, call: number) => number = () => 200,
) {
  const received: ReceivedCall[] = [];
  const calls = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const n = (calls.get(path) ?? 0) + 1;
      calls.set(path, n);
      const code = status(path, n);
      res.writeHead(code, { 'content-type': 'text/plain' }).end(code < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path: string) => `http://127.0.0.1:${port}${path}`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** The `x-invigil-signature` a call should carry under `secret`. */
export const expectedSignature = (secret: string, r: ReceivedCall) =>
  `sha256=${createHmac('sha256', secret)
    .update(`${r.headers['x-invigil-timestamp']}.${r.body}`)
    .digest('hex')}`;
