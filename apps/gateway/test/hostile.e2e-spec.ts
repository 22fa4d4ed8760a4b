import { type Socket, connect } from 'node:net';
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import { waitFor } from '@app/testing';
import WebSocket, { WebSocketServer } from 'ws';
import { createServer } from 'node:http';
import type { GatewayApp } from '../src/gateway.app';
import { TestUpstream, startTestGateway } from './helpers';

/** Send raw bytes, collect everything until the gateway closes the connection (or a bound). */
async function raw(
  url: string,
  bytes: string | Buffer,
  waitMs = 3000,
): Promise<{ text: string; closed: boolean }> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = once(socket, 'close').then(() => true);
  socket.write(bytes);
  const result = await Promise.race([
    closed,
    new Promise<false>((r) => setTimeout(() => r(false), waitMs)),
  ]);
  socket.destroy();
  return { text, closed: result };
}

describe('hostile and malformed input', () => {
  let up: TestUpstream;
  let gateway: GatewayApp;

  beforeAll(async () => {
    up = await TestUpstream.start('web1');
    gateway = await startTestGateway({
      UPSTREAMS: `${up.url} max_fails=0`,
      CLIENT_HEADER_TIMEOUT_MS: '500',
      MAX_BODY_BYTES: '65536',
      // Bodies over 4 KiB are streamed (not read whole first), so that an upload the client
      // abandons half-way has reached the upstream (the case below).
      CLIENT_BODY_BUFFER_BYTES: '4096',
    });
  });

  afterAll(async () => {
    await gateway.shutdown();
    await up.kill();
  });

  afterEach(async () => {
    // Whatever the input did, the gateway still serves and holds nothing open upstream.
    const res = await fetch(`${gateway.url}/`);
    expect([res.status, await res.text()]).toEqual([200, 'web1']);
    await waitFor(
      async () => {
        const metrics = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
        return metrics.includes(`gateway_upstream_inflight{upstream="127.0.0.1:${up.port}"} 0\n`)
          ? true
          : undefined;
      },
      { what: 'in-flight back to 0' },
    );
    up.seen.length = 0;
  });

  it('answers a malformed request line with 400 and closes', async () => {
    const { text, closed } = await raw(gateway.url, 'GARBAGE / WHAT\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(closed).toBe(true);
    expect(up.traffic).toEqual([]);
  });

  it('answers oversized headers with 431', async () => {
    const { text } = await raw(
      gateway.url,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(up.traffic).toEqual([]);
  });

  it('closes a slowloris connection after the header timeout', async () => {
    const { port } = new URL(gateway.url);
    const socket: Socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.on('error', () => {});
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 100);
    const started = Date.now();
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    await once(socket, 'close');
    clearInterval(trickle);
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    // Bound, not a benchmark: CLIENT_HEADER_TIMEOUT_MS is 500 and it is checked every 500 ms.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(up.traffic).toEqual([]);
  });

  it('refuses Content-Length with Transfer-Encoding (400) and smuggles nothing upstream', async () => {
    const smuggle =
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const { text } = await raw(gateway.url, smuggle);
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(up.seen).toEqual([]);
  });

  it('answers a body over the limit with 413, declared or streamed', async () => {
    const declared = await fetch(`${gateway.url}/`, { method: 'POST', body: 'x'.repeat(70_000) });
    expect(declared.status).toBe(413);
    const { text } = await raw(
      gateway.url,
      `POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${(70_000).toString(16)}\r\n${'x'.repeat(70_000)}\r\n0\r\n\r\n`,
    );
    expect(text).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
  });

  it('passes an unknown Host through, refuses a malformed one with 400', async () => {
    const ok = await raw(
      gateway.url,
      'GET / HTTP/1.1\r\nHost: unknown.example:9999\r\nConnection: close\r\n\r\n',
    );
    expect(ok.text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(up.traffic[0].headers.host).toBe('unknown.example:9999');
    const bad = await raw(
      gateway.url,
      'GET / HTTP/1.1\r\nHost: bad host/../\r\nConnection: close\r\n\r\n',
    );
    expect(bad.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(bad.text).toContain(
      '{"error":"BAD_REQUEST","message":"The Host header is not a valid host[:port]."}',
    );
    expect(up.traffic).toHaveLength(1);
  });

  it('a client that aborts mid-body or mid-response leaves no upstream request behind', async () => {
    let closedUpstream = 0;
    up.handler = (req, res) => {
      res.once('close', () => closedUpstream++);
      if (req.method === 'POST') {
        req.resume();
        return; // never answers: the client gives up mid-body
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first chunk;'); // and then nothing: the client gives up mid-response
    };
    try {
      const post = httpRequest(`${gateway.url}/upload`, {
        method: 'POST',
        headers: { 'content-length': '50000' },
      });
      post.on('error', () => {});
      post.write('x'.repeat(10_000));
      await waitFor(() => (up.traffic.length === 1 ? true : undefined));
      post.destroy();

      const get = httpRequest(`${gateway.url}/stream`);
      get.on('error', () => {});
      get.end();
      const [res] = (await once(get, 'response')) as [import('node:http').IncomingMessage];
      await once(res, 'data');
      get.destroy();

      await waitFor(() => (closedUpstream === 2 ? true : undefined), {
        what: 'both upstream requests closed',
      });
    } finally {
      up.handler = (req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': 'web1' }).end('web1');
      };
    }
  });

  it('survives a flood of WebSocket upgrades and releases every tunnel', async () => {
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (s) => s.on('message', (d: Buffer) => s.send(d)));
    const wsUp = createServer((_q, r) => r.end());
    wsUp.on('upgrade', (req, socket, head) =>
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
    );
    await new Promise<void>((r) => wsUp.listen(0, '127.0.0.1', r));
    const port = (wsUp.address() as import('node:net').AddressInfo).port;
    const wsGateway = await startTestGateway({ UPSTREAMS: `http://127.0.0.1:${port}` });
    try {
      const echoes = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const ws = new WebSocket(`${wsGateway.url.replace('http', 'ws')}/ws`);
          await once(ws, 'open');
          ws.send(`m${i}`);
          const [data] = (await once(ws, 'message')) as [Buffer];
          ws.close();
          await once(ws, 'close');
          return data.toString();
        }),
      );
      expect(echoes).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`));
      await waitFor(
        async () => {
          const metrics = await (await fetch(`${wsGateway.adminUrl}/metrics`)).text();
          return metrics.includes(`gateway_upstream_inflight{upstream="127.0.0.1:${port}"} 0\n`)
            ? true
            : undefined;
        },
        { what: 'tunnels released' },
      );
    } finally {
      await wsGateway.shutdown();
      wss.close();
      wsUp.closeAllConnections();
      await new Promise((r) => wsUp.close(r));
    }
  });
});
