import { once } from 'node:events';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { LogCapture, rawRequest, waitFor } from '@app/testing';
import type { GatewayApp } from '../src/gateway.app';
import { TestUpstream, startTestGateway } from './helpers';

/**
 * One pipeline for plain requests and upgrades: every refusal rule holds with any `Upgrade`
 * header, upgrades are balanced, count towards passive health, and are recorded (metrics,
 * access log) like any request.
 */
describe('gateway pipeline: plain requests and upgrades alike', () => {
  const WAYS: [string, Record<string, string>][] = [
    ['plain', {}],
    ['Upgrade: websocket', { connection: 'Upgrade', upgrade: 'websocket' }],
    ['Upgrade: foo', { connection: 'Upgrade', upgrade: 'foo' }],
  ];

  describe('refusal rules', () => {
    let upstream: TestUpstream;
    let gw: GatewayApp;

    beforeAll(async () => {
      upstream = await TestUpstream.start('u1');
      gw = await startTestGateway({ UPSTREAMS: upstream.url, MAX_BODY_BYTES: '100' });
    });

    afterAll(async () => {
      await gw.shutdown();
      await upstream.kill();
    });

    const REFUSED: [
      rule: string,
      request: Parameters<typeof rawRequest>[1],
      status: number,
      error: string,
    ][] = [
      ['operational path /metrics', { path: '/metrics' }, 404, 'NOT_FOUND'],
      ['operational path /health/ready', { path: '/health/ready' }, 404, 'NOT_FOUND'],
      ['operational path /upstreams', { path: '/upstreams' }, 404, 'NOT_FOUND'],
      ['operational path /events', { path: '/events' }, 404, 'NOT_FOUND'],
      ['operational path /admin/x', { path: '/admin/x' }, 404, 'NOT_FOUND'],
      ['invalid Host', { path: '/', headers: { host: 'bad host' } }, 400, 'BAD_REQUEST'],
      [
        'declared body over MAX_BODY_BYTES',
        { method: 'POST', path: '/', headers: { 'content-length': '101' } },
        413,
        'BODY_TOO_LARGE',
      ],
    ];

    describe.each(WAYS)('%s', (_way, extra) => {
      it.each(REFUSED)('%s stays refused', async (_rule, request, status, error) => {
        const before = upstream.traffic.length;
        const res = await rawRequest(gw.url, {
          ...request,
          headers: { ...request.headers, ...extra },
        });
        expect([res.status, (JSON.parse(res.body) as { error: string }).error]).toEqual([
          status,
          error,
        ]);
        expect(upstream.traffic.length).toBe(before);
      });
    });
  });

  describe('WebSocket sessions', () => {
    let wsUpstream: Server;
    let wss: WebSocketServer;
    let port: number;

    beforeAll(async () => {
      wss = new WebSocketServer({ noServer: true });
      wss.on('connection', (s) => s.on('message', (d: Buffer) => s.send(d.toString())));
      wsUpstream = createServer((_q, r) => r.writeHead(200).end());
      wsUpstream.on('upgrade', (req, socket, head) =>
        wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
      );
      await new Promise<void>((r) => wsUpstream.listen(0, '127.0.0.1', r));
      port = (wsUpstream.address() as AddressInfo).port;
    });

    afterAll(async () => {
      wss.close();
      wsUpstream.closeAllConnections();
      await new Promise((r) => wsUpstream.close(r));
    });

    it('30 round trips are 30 request samples (status 101) and 30 access-log lines', async () => {
      const logs = new LogCapture();
      const gw = await startTestGateway(
        { UPSTREAMS: `http://127.0.0.1:${port}`, LOG_LEVEL: 'info' },
        { logDestination: logs },
      );
      try {
        for (let i = 0; i < 30; i++) {
          const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/chat`);
          await once(ws, 'open');
          ws.send(`hello ${i}`);
          const [message] = (await once(ws, 'message')) as [MessageEvent];
          expect(String(message.data)).toBe(`hello ${i}`);
          ws.close();
          await once(ws, 'close');
        }
        const id = `127.0.0.1:${port}`;
        await waitFor(
          () => (logs.lines().filter((l) => l.log === 'access').length === 30 ? true : undefined),
          { what: '30 access-log lines' },
        );
        const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
        expect(metrics).toContain(
          `gateway_requests_total{upstream="${id}",method="GET",status_code="101"} 30\n`,
        );
        const lines = logs.lines().filter((l) => l.log === 'access');
        expect(lines[0]).toMatchObject({
          level: 'info',
          req: { method: 'GET', path: '/chat' },
          res: { status_code: 101 },
          upstream: id,
          request_id: expect.any(String),
          duration_ms: expect.any(Number),
        });
        // The tunnel's bytes, both ways: handshake excluded, one masked frame in, one out.
        expect(lines.every((l) => (l.bytes_from_client as number) > 0)).toBe(true);
        expect(lines.every((l) => (l.bytes_from_upstream as number) > 0)).toBe(true);
        expect(metrics).toContain(`gateway_upstream_inflight{upstream="${id}"} 0\n`);
      } finally {
        await gw.shutdown();
      }
    });

    it('a failed upgrade counts towards passive ejection and is retried on the next upstream', async () => {
      // An address that refuses connections, first in the rotation (weight 9), max_fails=1.
      const refusing = createServer();
      await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
      const deadPort = (refusing.address() as AddressInfo).port;
      await new Promise((r) => refusing.close(r));
      const gw = await startTestGateway({
        UPSTREAMS: `http://127.0.0.1:${deadPort} weight=9 max_fails=1 fail_timeout=60s,http://127.0.0.1:${port}`,
        HEALTH_CHECK_INTERVAL_MS: '0',
      });
      try {
        const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/chat`);
        await once(ws, 'open');
        ws.send('after a retry');
        const [message] = (await once(ws, 'message')) as [MessageEvent];
        expect(String(message.data)).toBe('after a retry');
        ws.close();
        await once(ws, 'close');
        const view = (await (await fetch(`${gw.adminUrl}/upstreams`)).json()) as {
          upstreams: { id: string; state: string; failures: number; ejections: number }[];
        };
        expect(view.upstreams.map((u) => [u.id, u.state, u.failures, u.ejections])).toEqual([
          [`127.0.0.1:${deadPort}`, 'down', 1, 1],
          [`127.0.0.1:${port}`, 'up', 0, 0],
        ]);
        const metrics = await (await fetch(`${gw.adminUrl}/metrics`)).text();
        expect(metrics).toContain(`gateway_retries_total{upstream="127.0.0.1:${deadPort}"} 1\n`);
      } finally {
        await gw.shutdown();
      }
    });
  });
});
