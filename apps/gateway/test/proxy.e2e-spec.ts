import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { WebSocketServer } from 'ws';
import { LogCapture, promtoolCheckMetrics, rawRequest } from '@app/testing';
import { upstreamsResponseSchema } from '../src/admin/upstream-view';
import type { GatewayApp } from '../src/gateway.app';
import { TestUpstream, startTestGateway } from './helpers';

describe('gateway proxy behaviour', () => {
  let ups: TestUpstream[] = [];
  let gateway: GatewayApp | undefined;

  afterEach(async () => {
    await gateway?.shutdown();
    gateway = undefined;
    await Promise.all(ups.map((u) => u.kill()));
    ups = [];
  });

  async function start(env: Record<string, string>, ...upstreams: TestUpstream[]) {
    ups = upstreams;
    gateway = await startTestGateway(env);
    return gateway;
  }

  describe('retries (nginx proxy_next_upstream error timeout, idempotent only)', () => {
    /** web1 drops every connection without answering; web2 works. */
    async function brokenAndHealthy() {
      const broken = await TestUpstream.start('web1');
      broken.handler = (req) => req.socket.destroy();
      const healthy = await TestUpstream.start('web2');
      return start(
        { UPSTREAMS: `${broken.url} max_fails=100,${healthy.url} max_fails=100` },
        broken,
        healthy,
      );
    }

    it('retries a GET on the next upstream when the connection resets before a response', async () => {
      const gw = await brokenAndHealthy();
      const res = await fetch(`${gw.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('web2');
      expect(ups.map((u) => u.traffic.length)).toEqual([1, 1]);
      const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      expect(metrics).toContain(`gateway_retries_total{upstream="127.0.0.1:${ups[0].port}"} 1\n`);
    });

    it('never retries a POST: 502 UPSTREAM_UNAVAILABLE after one attempt', async () => {
      const gw = await brokenAndHealthy();
      const res = await fetch(`${gw.url}/`, { method: 'POST', body: 'x=1' });
      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(await res.json()).toEqual({
        error: 'UPSTREAM_UNAVAILABLE',
        message: 'The upstream could not be reached.',
      });
      expect(ups.map((u) => u.traffic.length)).toEqual([1, 0]);
    });
  });

  it('answers 504 UPSTREAM_TIMEOUT when no response headers arrive in time', async () => {
    const slow = await TestUpstream.start('slow');
    slow.handler = () => {}; // never answers
    const gw = await start(
      {
        UPSTREAMS: `${slow.url} max_fails=0`,
        UPSTREAM_HEADERS_TIMEOUT_MS: '200',
        RETRY_TRIES: '1',
      },
      slow,
    );
    const res = await fetch(`${gw.url}/`);
    expect(res.status).toBe(504);
    expect(await res.json()).toEqual({
      error: 'UPSTREAM_TIMEOUT',
      message: 'The upstream did not answer in time.',
    });
  });

  it('answers 502 then 503 NO_HEALTHY_UPSTREAM once the only upstream is ejected', async () => {
    const gone = await TestUpstream.start('gone');
    await gone.kill();
    const gw = await start({ UPSTREAMS: `${gone.url} max_fails=1 fail_timeout=60s` }, gone);
    const first = await fetch(`${gw.url}/`);
    expect(first.status).toBe(502);
    expect(await first.json()).toEqual({
      error: 'UPSTREAM_UNAVAILABLE',
      message: 'The upstream could not be reached.',
    });
    const second = await fetch(`${gw.url}/`);
    expect(second.status).toBe(503);
    expect(await second.json()).toEqual({
      error: 'NO_HEALTHY_UPSTREAM',
      message: 'No healthy upstream is available.',
    });
    expect((await fetch(`${gw.adminUrl}/health/ready`)).status).toBe(503);
  });

  describe('headers', () => {
    it('removes hop-by-hop fields, appends X-Forwarded-For, keeps Host and X-Request-Id', async () => {
      const echo = await TestUpstream.start('echo');
      echo.handler = (req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          connection: 'x-hop',
          'x-hop': 'must not reach the client',
          'x-end-to-end': 'kept',
        });
        res.end(JSON.stringify(req.headers));
      };
      const gw = await start({ UPSTREAMS: echo.url }, echo);
      const { status, headers, body } = await rawRequest(gw.url, {
        path: '/path?q=1',
        headers: {
          host: 'lab.example:8080',
          connection: 'keep-alive, x-secret',
          'keep-alive': 'timeout=5',
          'x-secret': 'hop only',
          te: 'trailers',
          'x-forwarded-for': '203.0.113.7',
          'x-request-id': 'req-42',
          'user-agent': 'hdr-test',
          // The gateway sets each attempt's own deadline; a client's is not forwarded.
          'x-request-deadline': '1',
          // Nor its idempotency key: the gateway's own scopes its attempts (request-id.ts).
          'idempotency-key': '"client-key"',
        },
      });
      expect(status).toBe(200);
      const sentAt = Date.now();
      const forwarded = JSON.parse(body) as Record<string, string>;
      const deadline = Number(forwarded['x-request-deadline']);
      // The attempt's deadline: when it was sent + UPSTREAM_HEADERS_TIMEOUT_MS (750 ms).
      expect(deadline).toBeGreaterThan(sentAt + 500);
      expect(deadline).toBeLessThanOrEqual(sentAt + 750);
      // The client sent its own request id: the key is a fresh one, not that id.
      const key = forwarded['idempotency-key'];
      expect(key).toMatch(/^"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"$/);
      expect(forwarded).toEqual({
        'x-request-deadline': String(deadline),
        'idempotency-key': key,
        host: 'lab.example:8080',
        'user-agent': 'hdr-test',
        'x-forwarded-for': '203.0.113.7, 127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'lab.example:8080',
        'x-request-id': 'req-42',
        connection: 'keep-alive',
      });
      expect(echo.traffic[0].url).toBe('/path?q=1');
      expect(headers['x-request-id']).toBe('req-42');
      expect(headers['x-end-to-end']).toBe('kept');
      expect(headers['x-hop']).toBeUndefined();
    });
  });

  it('with CLIENT_BODY_BUFFER_BYTES=0, streams a chunked request body and a chunked response both ways', async () => {
    const echo = await TestUpstream.start('stream');
    echo.handler = (req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'x-te': req.headers['transfer-encoding'] ?? '',
      });
      // Answer each request chunk as it arrives: the client only sends the next chunk after
      // reading this answer, so a proxy that buffered either direction would deadlock.
      req.on('data', (chunk: Buffer) => res.write(`got:${chunk.toString()};`));
      req.on('end', () => res.end('done'));
    };
    // Bodies are buffered by default (docs/gateway.md, "Request bodies"); 0 streams every one.
    const gw = await start({ UPSTREAMS: echo.url, CLIENT_BODY_BUFFER_BYTES: '0' }, echo);
    const req = httpRequest(`${gw.url}/upload`, {
      method: 'PUT',
      headers: { 'transfer-encoding': 'chunked' },
    });
    // The first chunk goes with the headers (undici sends a streamed request's headers with
    // its first chunk); every later chunk waits for the answer to the one before.
    req.write('one');
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    expect(res.headers['x-te']).toBe('chunked');
    expect(res.headers['transfer-encoding']).toBe('chunked');
    const replies: string[] = [((await once(res, 'data')) as [Buffer])[0].toString()];
    for (const part of ['two', 'three']) {
      req.write(part);
      const [chunk] = (await once(res, 'data')) as [Buffer];
      replies.push(chunk.toString());
    }
    req.end();
    let rest = '';
    for await (const chunk of res) rest += (chunk as Buffer).toString();
    expect(replies).toEqual(['got:one;', 'got:two;', 'got:three;']);
    expect(rest).toBe('done');
  });

  it('answers HEAD, 204 and 304 without a body', async () => {
    const up = await TestUpstream.start('empty');
    up.handler = (req, res) => {
      if (req.url === '/204') res.writeHead(204).end();
      else if (req.url === '/304') res.writeHead(304, { etag: '"v1"' }).end();
      else
        res
          .writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' })
          .end(req.method === 'HEAD' ? undefined : 'hello');
    };
    const gw = await start({ UPSTREAMS: up.url }, up);
    const head = await rawRequest(gw.url, { method: 'HEAD', path: '/' });
    expect([head.status, head.headers['content-length'], head.body]).toEqual([200, '5', '']);
    const noContent = await rawRequest(gw.url, { path: '/204' });
    expect([noContent.status, noContent.body]).toEqual([204, '']);
    const notModified = await rawRequest(gw.url, {
      path: '/304',
      headers: { 'if-none-match': '"v1"' },
    });
    expect([notModified.status, notModified.headers.etag, notModified.body]).toEqual([
      304,
      '"v1"',
      '',
    ]);
  });

  describe('request body limit (client_max_body_size)', () => {
    it('refuses a declared Content-Length over the limit without contacting an upstream', async () => {
      const up = await TestUpstream.start('up');
      const gw = await start({ UPSTREAMS: up.url, MAX_BODY_BYTES: '1024' }, up);
      const res = await fetch(`${gw.url}/`, { method: 'POST', body: 'x'.repeat(2048) });
      expect(res.status).toBe(413);
      expect(await res.json()).toEqual({
        error: 'BODY_TOO_LARGE',
        message: 'The request body is too large.',
      });
      expect(up.traffic).toEqual([]);
    });

    it('stops a chunked body the moment it passes the limit', async () => {
      const up = await TestUpstream.start('up');
      up.handler = (req, res) => {
        req.resume();
        req.on('end', () => res.end('accepted'));
      };
      const gw = await start({ UPSTREAMS: up.url, MAX_BODY_BYTES: '1024' }, up);
      const req = httpRequest(`${gw.url}/`, {
        method: 'POST',
        headers: { 'transfer-encoding': 'chunked' },
      });
      req.on('error', () => {});
      req.write('x'.repeat(600));
      req.write('x'.repeat(600));
      const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
      let body = '';
      for await (const chunk of res) body += (chunk as Buffer).toString();
      expect(res.statusCode).toBe(413);
      expect(JSON.parse(body)).toEqual({
        error: 'BODY_TOO_LARGE',
        message: 'The request body is too large.',
      });
      req.destroy();
    });
  });

  it('tunnels a WebSocket to an upstream and echoes through it', async () => {
    const up = await TestUpstream.start('ws');
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (socket) =>
      socket.on('message', (data: Buffer) => socket.send(`echo:${data.toString()}`)),
    );
    // TestUpstream's server is private; attach the upgrade handler through a fresh listener.
    await up.kill();
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => res.end());
    server.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
    );
    await new Promise<void>((r) => server.listen(up.port, '127.0.0.1', r));
    try {
      const gw = await start({ UPSTREAMS: up.url });
      const ws = new WebSocket(gw.url.replace('http', 'ws') + '/socket');
      await once(ws as unknown as NodeJS.EventEmitter, 'open');
      const replies: string[] = [];
      const gotTwo = new Promise<void>((resolve) =>
        ws.addEventListener('message', (e) => {
          replies.push(String(e.data));
          if (replies.length === 2) resolve();
        }),
      );
      ws.send('hello');
      ws.send('again');
      await gotTwo;
      expect(replies).toEqual(['echo:hello', 'echo:again']);
      ws.close();
    } finally {
      wss.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  describe('admin plane', () => {
    it('is not reachable through the data port', async () => {
      const up = await TestUpstream.start('up');
      const gw = await start({ UPSTREAMS: up.url }, up);
      for (const path of [
        '/metrics',
        '/upstreams',
        '/health/ready',
        '/health/live',
        '/events',
        '/metrics?x=1',
      ]) {
        const res = await fetch(`${gw.url}${path}`);
        expect([path, res.status, await res.json()]).toEqual([
          path,
          404,
          { error: 'NOT_FOUND', message: 'Not found.' },
        ]);
      }
      expect(up.traffic).toEqual([]);
      expect((await fetch(`${gw.adminUrl}/upstreams`)).status).toBe(200);
    });

    it('lists upstreams and exposes promtool-clean metrics', async () => {
      const up = await TestUpstream.start('up');
      const gw = await start({ UPSTREAMS: `${up.url} weight=5 max_fails=2 fail_timeout=3s` }, up);
      await (await fetch(`${gw.url}/`)).text();
      const answer: unknown = await (await fetch(`${gw.adminUrl}/upstreams`)).json();
      // The documented schema (docs/gateway.md is generated from it) accepts the real answer.
      expect(upstreamsResponseSchema.parse(answer)).toEqual(answer);
      expect(answer).toEqual({
        balancer: 'round_robin',
        upstreams: [
          {
            id: `127.0.0.1:${up.port}`,
            url: up.url,
            address: '127.0.0.1',
            node: 'up',
            weight: 5,
            state: 'up',
            reason: null,
            inFlight: 0,
            requests: 1,
            failures: 0,
            ejections: 0,
            lastCheck: null,
          },
        ],
      });
      const body = await (await fetch(`${gw.adminUrl}/metrics`)).text();
      const id = `127.0.0.1:${up.port}`;
      expect(body).toContain(
        `gateway_requests_total{upstream="${id}",method="GET",status_code="200"} 1\n`,
      );
      expect(body).toContain(`gateway_request_duration_seconds_count{upstream="${id}"} 1\n`);
      expect(body).toContain(`gateway_upstream_up{upstream="${id}"} 1\n`);
      expect(body).toContain(`gateway_upstream_inflight{upstream="${id}"} 0\n`);
      expect(body).toContain(`gateway_upstream_weight{upstream="${id}"} 5\n`);
      expect(body).toContain(
        `gateway_upstream_ejections_total{upstream="${id}",reason="passive"} 0\n`,
      );
      expect(body).toContain(`gateway_retries_total{upstream="${id}"} 0\n`);
      await expect(promtoolCheckMetrics(body)).resolves.toBe('');
    });
  });

  it('writes one JSON access log line per proxied request, with the request id', async () => {
    const up = await TestUpstream.start('web1');
    const logs = new LogCapture();
    ups = [up];
    gateway = await startTestGateway(
      { UPSTREAMS: up.url, LOG_LEVEL: 'info' },
      { logDestination: logs },
    );
    await (
      await fetch(`${gateway.url}/page?x=1`, {
        headers: { 'user-agent': 'acc/1', 'x-request-id': 'r-1' },
      })
    ).text();
    await (await fetch(`${gateway.url}/metrics`, { headers: { 'user-agent': 'acc/1' } })).text();
    const access = logs.lines().filter((l) => l.log === 'access');
    expect(access).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        service: 'gateway',
        log: 'access',
        req: { method: 'GET', path: '/page', user_agent: 'acc/1' },
        res: { status_code: 200 },
        duration_ms: expect.any(Number),
        upstream: `127.0.0.1:${up.port}`,
        request_id: 'r-1',
        msg: expect.stringMatching(/^GET \/page 200 \d+ms$/),
      },
      {
        level: 'info',
        time: expect.any(String),
        service: 'gateway',
        log: 'access',
        req: { method: 'GET', path: '/metrics', user_agent: 'acc/1' },
        res: { status_code: 404 },
        duration_ms: expect.any(Number),
        upstream: 'none',
        request_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        msg: expect.stringMatching(/^GET \/metrics 404 \d+ms$/),
      },
    ]);
  });

  it('on shutdown finishes a slow in-flight request, then refuses new connections', async () => {
    const slow = await TestUpstream.start('slow');
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    slow.handler = (_req, res) => void released.then(() => res.end('finally'));
    const gw = await start({ UPSTREAMS: slow.url }, slow);
    const inFlight = fetch(`${gw.url}/`);
    await waitForTraffic(slow);
    const stopped = gw.shutdown();
    await expect(fetch(`${gw.url}/`)).rejects.toThrow(/fetch failed/);
    release();
    const res = await inFlight;
    expect([res.status, res.headers.get('connection'), await res.text()]).toEqual([
      200,
      'close',
      'finally',
    ]);
    await expect(stopped).resolves.toBe(true);
    gateway = undefined;
  });
});

async function waitForTraffic(up: TestUpstream): Promise<void> {
  const { waitFor } = await import('@app/testing');
  await waitFor(() => (up.traffic.length > 0 ? true : undefined));
}
