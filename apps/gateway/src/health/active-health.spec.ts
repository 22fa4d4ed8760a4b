import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlackHole } from '@app/testing';
import { Upstream } from '../upstreams/upstream';
import { ActiveHealthChecker } from './active-health';

function upstreamAt(port: number): Upstream {
  return new Upstream(
    {
      url: `http://127.0.0.1:${port}`,
      hostname: '127.0.0.1',
      port,
      literal: true,
      weight: 1,
      maxFails: 1,
      failTimeoutMs: 10_000,
    },
    '127.0.0.1',
    `127.0.0.1:${port}`,
    { ejected: () => undefined, readmitted: () => undefined, attemptFailed: () => undefined },
  );
}

const config = {
  HEALTH_CHECK_PATH: '/health/ready',
  HEALTH_CHECK_INTERVAL_MS: 0,
  HEALTH_CHECK_TIMEOUT_MS: 300,
  HEALTH_CHECK_FAILS: 1,
  HEALTH_CHECK_PASSES: 1,
};

describe('ActiveHealthChecker: one connection and one deadline per check', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  async function serve(status: number): Promise<{ port: number; requests: string[] }> {
    const requests: string[] = [];
    const server: Server = createServer((req, res) => {
      requests.push(`${req.method} ${req.url} ${req.headers.connection}`);
      res.writeHead(status).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(resolve)));
    return { port: (server.address() as AddressInfo).port, requests };
  }

  it('passes a 2xx and fails a 503, each on a connection it closes', async () => {
    const ready = await serve(200);
    const draining = await serve(503);
    const [up, down] = [upstreamAt(ready.port), upstreamAt(draining.port)];
    await new ActiveHealthChecker({ upstreams: [up, down] }, config).checkAll();
    expect([up.lastCheck?.ok, up.lastCheck?.status]).toEqual([true, 200]);
    expect([down.lastCheck?.ok, down.lastCheck?.status]).toEqual([false, 503]);
    expect(ready.requests).toEqual(['GET /health/ready close']);
  });

  it('fails an upstream whose connect hangs within its timeout, connecting included', async () => {
    const hole = await BlackHole.start();
    closers.push(() => hole.stop());
    const upstream = upstreamAt(hole.port);
    const started = Date.now();
    await new ActiveHealthChecker({ upstreams: [upstream] }, config).checkAll();
    // Far below any connect timeout: the check's own 300 ms ended it.
    expect(Date.now() - started).toBeLessThan(2000);
    expect([upstream.lastCheck?.ok, upstream.lastCheck?.error]).toEqual([
      false,
      'no answer within 300 ms',
    ]);
  });
});
