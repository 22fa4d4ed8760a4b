import { connect } from 'node:net';
import { LogCapture, RedisServer, rawRequest } from '@app/testing';
import Redis from 'ioredis';
import type { WebApp } from '../src/web.app';
import { startTestWeb } from './helpers';

/**
 * Client mistakes are 4xx from the catalogue, on every route: never a 5xx, never an `error`
 * log line, never a counted hit. Only our own faults are 5xx.
 */
describe('web node: client mistakes (real Redis)', () => {
  let redis: RedisServer;
  let client: Redis;
  let web: WebApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new Redis(redis.url);
    web = await startTestWeb({ REDIS_URL: redis.url, NODE_NAME: 'web-c', LOG_LEVEL: 'info' }, logs);
  });

  afterAll(async () => {
    await web.shutdown();
    client.disconnect();
    await redis.destroy();
  });

  beforeEach(async () => {
    await client.flushall();
    logs.clear();
  });

  const counted = async () => Number((await client.get('counter')) ?? 0);
  const errorLines = () =>
    logs.lines().filter((l) => l.level === 'error' || l.level === 'fatal' || 'err' in l);

  /** Every route the node serves, with the status its good GET answers. */
  const ROUTES: [path: string, goodStatus: number][] = [
    ['/', 200],
    ['/hits', 200],
    ['/health/live', 200],
    ['/health/ready', 200],
    ['/metrics', 200],
  ];

  describe.each(ROUTES)('%s', (path, goodStatus) => {
    it('good: GET answers as documented', async () => {
      const res = await rawRequest(web.url, { path });
      expect(res.status).toBe(goodStatus);
      expect(await counted()).toBe(path === '/' ? 1 : 0);
      expect(errorLines()).toEqual([]);
    });

    it('malformed encoding: 400 BAD_REQUEST, nothing counted, no error line', async () => {
      const res = await rawRequest(web.url, { path: `${path === '/' ? '' : path}/%zz%` });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: 'BAD_REQUEST', message: 'Malformed request.' });
      expect(res.headers['x-served-by']).toBe('web-c');
      const bare = await rawRequest(web.url, { path: `${path}%` });
      expect(bare.status).toBe(400);
      expect(await counted()).toBe(0);
      expect(errorLines()).toEqual([]);
    });

    it.each(['POST', 'PUT', 'DELETE', 'PATCH'])(
      'wrong method %s: 405 with Allow, nothing counted, no error line',
      async (method) => {
        const res = await rawRequest(web.url, {
          method,
          path,
          headers: { 'content-type': 'application/json' },
          body: '{"not":"read"',
        });
        expect(res.status).toBe(405);
        expect(res.headers.allow).toBe('GET, HEAD');
        expect(JSON.parse(res.body)).toEqual({
          error: 'METHOD_NOT_ALLOWED',
          message: 'Method not allowed.',
        });
        expect(await counted()).toBe(0);
        expect(errorLines()).toEqual([]);
      },
    );

    it('oversized query: refused by the HTTP parser with 431, nothing counted', async () => {
      // Node's header limit is 16 KiB for the whole head, request line included.
      const res = await rawRequest(web.url, { path: `${path}?q=${'x'.repeat(20_000)}` });
      expect(res.status).toBe(431);
      expect(await counted()).toBe(0);
      expect(errorLines()).toEqual([]);
    });

    it('odd Accept: answered (text where there is a choice), never a 5xx', async () => {
      for (const accept of [
        'image/png',
        'application/json;q=0, text/plain;q=0',
        '*/*;q=x',
        ',,,',
      ]) {
        const res = await rawRequest(web.url, { path, headers: { accept } });
        expect(res.status).toBe(goodStatus);
      }
      expect(await counted()).toBe(path === '/' ? 4 : 0);
      expect(errorLines()).toEqual([]);
    });
  });

  it('unknown routes: 404 NOT_FOUND for every method', async () => {
    for (const method of ['GET', 'POST', 'HEAD']) {
      const res = await rawRequest(web.url, { method, path: '/nope' });
      expect(res.status).toBe(404);
      if (method !== 'HEAD')
        expect(JSON.parse(res.body)).toEqual({ error: 'NOT_FOUND', message: 'No such route.' });
    }
    expect(errorLines()).toEqual([]);
  });

  it('counts client mistakes under their 4xx status in the request metrics', async () => {
    const series = (method: string, status: number) =>
      `http_server_request_duration_seconds_count{method="${method}",route="unmatched",status_code="${status}"}`;
    const count = async (name: string) => {
      const body = (await rawRequest(web.url, { path: '/metrics' })).body;
      const line = body.split('\n').find((l) => l.startsWith(`${name} `));
      return line ? Number(line.slice(name.length + 1)) : 0;
    };
    const before = [await count(series('GET', 400)), await count(series('POST', 405))];
    await rawRequest(web.url, { path: '/%' });
    await rawRequest(web.url, { method: 'POST', path: '/' });
    expect([await count(series('GET', 400)), await count(series('POST', 405))]).toEqual([
      before[0] + 1,
      before[1] + 1,
    ]);
    const metrics = (await rawRequest(web.url, { path: '/metrics' })).body;
    expect(metrics).not.toMatch(/status_code="5\d\d"/);
  });

  it('a seeded fuzz of raw request lines gets no 5xx and leaves the node serving', async () => {
    const random = mulberry32(20261129);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'TRACE', 'FOO'];
    const pieces = [
      '/',
      'hits',
      'health',
      'live',
      'ready',
      'metrics',
      '%',
      '%zz',
      '%00',
      '..',
      '//',
      '?',
      '&',
      '=',
      '#',
      ';',
      '~',
      '%2F',
      '%25',
      'é',
      '\t',
      '*',
    ];
    const accepts = [
      'application/json',
      'text/*',
      '*/*',
      'x/y;q=2',
      '',
      ';;;',
      'application/json;q=0.5',
    ];
    const statuses = new Map<number, number>();
    const deadline = Date.now() + 20_000;
    let sent = 0;
    for (let i = 0; i < 2000 && Date.now() < deadline; i++) {
      let target = '/';
      const parts = 1 + Math.floor(random() * 5);
      for (let p = 0; p < parts; p++) target += pick(pieces);
      const headers = [`Host: 127.0.0.1`, `Accept: ${pick(accepts)}`];
      if (random() < 0.3)
        headers.push(`Content-Type: ${pick(['application/json', 'text/plain', 'x/y', ''])}`);
      const body = random() < 0.3 ? pick(['{', '{}', 'a=b', '\u0000', '[1,2']) : '';
      if (body) headers.push(`Content-Length: ${Buffer.byteLength(body)}`);
      const line = `${pick(methods)} ${target} HTTP/1.1\r\n${headers.join('\r\n')}\r\nConnection: close\r\n\r\n${body}`;
      const status = await rawExchange(web.url, line);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
      sent++;
    }
    expect(sent).toBeGreaterThan(500);
    // The fuzz reaches every refusal (seen: 2000 requests → 200, 400, 404, 405, 415).
    expect([...statuses.keys()].filter((s) => [400, 404, 405].includes(s)).sort()).toEqual([
      400, 404, 405,
    ]);
    const serverErrors = [...statuses].filter(([s]) => s >= 500);
    expect(serverErrors).toEqual([]);
    expect((await rawRequest(web.url, { path: '/health/live' })).status).toBe(200);
    expect(errorLines()).toEqual([]);
  });
});

/** Send bytes as they are, read the status code of the answer (0: the connection closed). */
function rawExchange(base: string, bytes: string): Promise<number> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let head = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
    });
    socket.once('error', reject);
    socket.once('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0)));
    socket.write(bytes);
  });
}

/** A small seeded PRNG (mulberry32): the same fuzz run every time. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
