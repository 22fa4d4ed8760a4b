import { once } from 'node:events';
import { type AddressInfo, type Socket, connect, createServer } from 'node:net';
import { waitFor } from '@app/testing';
import type { GatewayApp } from '../src/gateway.app';
import { TestUpstream, startTestGateway } from './helpers';

/** A raw connection to the gateway: write parts at the client's pace, read until it closes. */
async function open(url: string): Promise<{ socket: Socket; answer: Promise<string> }> {
  const socket = connect(Number(new URL(url).port), '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => socket.destroy());
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const answer = once(socket, 'close').then(() => text);
  return { socket, answer };
}

/** The client's own pace: a slow link, not a wait for a condition. */
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function metric(gateway: GatewayApp, series: string): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

/**
 * Issue #20: no client can move an upstream out of rotation, and a slow upload is no upstream's
 * problem. One upstream, ejected at its first failure (max_fails=1), so that any failure a client
 * could pin on it would show at once as 503 NO_HEALTHY_UPSTREAM.
 */
describe('client faults are the client’s', () => {
  let up: TestUpstream;
  let gateway: GatewayApp;
  let id: string;

  beforeAll(async () => {
    up = await TestUpstream.start('web1');
    id = `127.0.0.1:${up.port}`;
    gateway = await startTestGateway({
      UPSTREAMS: `${up.url} max_fails=1 fail_timeout=60s`,
      UPSTREAM_HEADERS_TIMEOUT_MS: '150',
      CLIENT_BODY_TIMEOUT_MS: '1000',
      CLIENT_BODY_BUFFER_BYTES: '16',
    });
  });

  afterAll(async () => {
    await gateway.shutdown();
    await up.kill();
  });

  afterEach(async () => {
    // Whatever the client did, the upstream is still in rotation and was never blamed.
    const res = await fetch(`${gateway.url}/`);
    expect([res.status, await res.text()]).toEqual([200, 'web1']);
    for (const error of ['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_INVALID_RESPONSE'])
      expect(
        await metric(
          gateway,
          `gateway_upstream_attempt_failures_total{upstream="${id}",error="${error}"}`,
        ),
      ).toBe(0);
    expect(await metric(gateway, `gateway_upstream_up{upstream="${id}"}`)).toBe(1);
    up.seen.length = 0;
  });

  it('OPTIONS * twice: 400 INVALID_TARGET, no upstream involved', async () => {
    for (let i = 0; i < 2; i++) {
      const { socket, answer } = await open(gateway.url);
      socket.write('OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(await answer).toMatch(
        /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*\r\n\r\n\{"error":"INVALID_TARGET"/,
      );
    }
    expect(up.traffic).toEqual([]);
    expect(await metric(gateway, 'gateway_client_faults_total{reason="INVALID_TARGET"}')).toBe(2);
  });

  it('a slow upload (its body after the headers deadline) is answered by the upstream', async () => {
    const { socket, answer } = await open(gateway.url);
    socket.write(
      'POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n',
    );
    // Longer than UPSTREAM_HEADERS_TIMEOUT_MS: that deadline must not run yet.
    await pause(400);
    socket.write('ok');
    expect(await answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n4\r\nweb1\r\n0\r\n\r\n$/);
    expect(up.traffic.map((r) => [r.method, r.url, r.body])).toEqual([['POST', '/upload', 'ok']]);
  });

  it('a stalled body: 408 CLIENT_BODY_TIMEOUT, closed, nothing sent upstream', async () => {
    const before = await metric(
      gateway,
      'gateway_client_faults_total{reason="CLIENT_BODY_TIMEOUT"}',
    );
    const { socket, answer } = await open(gateway.url);
    socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(text).toContain('connection: close');
    expect(text).toContain(
      '{"error":"CLIENT_BODY_TIMEOUT","message":"The request body did not arrive in time."}',
    );
    expect(up.traffic).toEqual([]);
    expect(await metric(gateway, 'gateway_client_faults_total{reason="CLIENT_BODY_TIMEOUT"}')).toBe(
      before + 1,
    );
  });

  it('a streamed body (larger than the buffer) that arrives slowly is relayed whole', async () => {
    const { socket, answer } = await open(gateway.url);
    const body = 'x'.repeat(40);
    socket.write(
      `PUT /big HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`,
    );
    socket.write(body.slice(0, 20));
    await pause(300);
    socket.write(body.slice(20));
    expect(await answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(up.traffic.map((r) => [r.method, r.body])).toEqual([['PUT', body]]);
  });

  it('a streamed body that stalls: 408 CLIENT_BODY_TIMEOUT, never the upstream’s fault', async () => {
    let aborted = false;
    const original = up.handler;
    up.handler = (req, res) => {
      req.on('data', () => undefined);
      req.on('end', () => res.end('web1'));
      res.once('close', () => (aborted = !res.writableFinished));
    };
    const { socket, answer } = await open(gateway.url);
    socket.write('POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n' + 'x'.repeat(40));
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    await waitFor(() => (aborted ? true : undefined), { what: 'the upstream request aborted' });
    up.handler = original;
  });

  it("what Node's parser refuses is answered from the catalogue and counted as the client's", async () => {
    const before = await metric(gateway, 'gateway_client_faults_total{reason="MALFORMED_REQUEST"}');
    const { socket, answer } = await open(gateway.url);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\nX-A : 1\r\n\r\n');
    const text = await answer;
    expect(text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(text).toContain('\r\n\r\n{"error":"MALFORMED_REQUEST","message":"Malformed request."}');
    expect(up.traffic).toEqual([]);
    expect(await metric(gateway, 'gateway_client_faults_total{reason="MALFORMED_REQUEST"}')).toBe(
      before + 1,
    );
  });

  it('an Upgrade that carries a body is served as a plain request', async () => {
    const { socket, answer } = await open(gateway.url);
    socket.write(
      'POST /up HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\nContent-Length: 5\r\n\r\nhello',
    );
    expect(await answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n4\r\nweb1\r\n0\r\n\r\n$/);
    expect(up.traffic.map((r) => [r.method, r.body, r.headers.upgrade])).toEqual([
      ['POST', 'hello', undefined],
    ]);
  });
});

/**
 * A streamed body that no attempt consumed (its upstream refused the connection) keeps no
 * deadline alive that could later destroy it with nobody listening: the gateway stays up.
 */
describe('a streamed body left behind by a failed attempt', () => {
  let gateway: GatewayApp;

  beforeAll(async () => {
    // A port nothing listens on: connecting is refused at once.
    const probe = createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((resolve) => probe.close(resolve));
    gateway = await startTestGateway({
      UPSTREAMS: `http://127.0.0.1:${port}`,
      HEALTH_CHECK_INTERVAL_MS: '0',
      CLIENT_BODY_BUFFER_BYTES: '16',
      UPSTREAM_BODY_TIMEOUT_MS: '200',
      CLIENT_BODY_TIMEOUT_MS: '200',
    });
  });

  afterAll(() => gateway.shutdown());

  it('is answered (502, then 503 once ejected) and released: the gateway still serves after its deadlines', async () => {
    const answers: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { socket, answer } = await open(gateway.url);
      const body = 'x'.repeat(1024);
      socket.write(`POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body.slice(0, 512));
      const text = await answer;
      answers.push(`${text.slice(9, 12)} ${/"error":"(\w+)"/.exec(text)?.[1]}`);
    }
    // Refused: the attempt failed before the body was read; then no upstream is left to pick.
    expect(answers).toEqual(['502 UPSTREAM_UNAVAILABLE', '503 NO_HEALTHY_UPSTREAM']);
    // Past both body deadlines: an unhandled 'error' from a body left behind would surface now.
    await pause(500);
    const live = await fetch(`${gateway.adminUrl}/health/live`);
    expect(live.status).toBe(200);
  });
});
