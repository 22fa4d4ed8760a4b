import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { createMetricsRegistry } from '@app/observability';
import { SmoothWeightedRoundRobin } from '../balancer/balancer';
import { GatewayMetrics } from '../metrics/gateway.metrics';
import type { UpstreamRegistry } from '../upstreams/upstream-registry';
import { DrainState } from './drain-state';
import { ProxyHandler } from './proxy';

describe('ProxyHandler', () => {
  it('turns a bug into one 500 INTERNAL_ERROR, and keeps serving', async () => {
    let calls = 0;
    const brokenRegistry = {
      get upstreams(): never {
        calls++;
        throw new Error('bug');
      },
    } as unknown as UpstreamRegistry;
    const proxy = new ProxyHandler(
      {
        RETRY_TRIES: 3,
        RETRY_TIMEOUT_MS: 1000,
        UPSTREAM_HEADERS_TIMEOUT_MS: 1000,
        UPSTREAM_CONNECT_TIMEOUT_MS: 1000,
        MAX_BODY_BYTES: 1024,
        CLIENT_BODY_BUFFER_BYTES: 1024,
        CLIENT_BODY_TIMEOUT_MS: 1000,
        UPSTREAM_BODY_TIMEOUT_MS: 1000,
        OUTLIER_LATENCY_FACTOR: 10,
        OUTLIER_MIN_LATENCY_MS: 100,
      },
      brokenRegistry,
      new SmoothWeightedRoundRobin(),
      new GatewayMetrics(createMetricsRegistry()),
      trace.getTracer('test'),
      new DrainState(),
    );
    const server = createServer(proxy.handle);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      for (let i = 0; i < 2; i++) {
        const res = await fetch(url);
        expect([res.status, await res.json()]).toEqual([
          500,
          { error: 'INTERNAL_ERROR', message: 'Internal error.' },
        ]);
      }
      expect(calls).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
