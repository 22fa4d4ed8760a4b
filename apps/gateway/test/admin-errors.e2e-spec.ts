import { LogCapture, rawRequest } from '@app/testing';
import type { GatewayApp } from '../src/gateway.app';
import { TestUpstream, startTestGateway } from './helpers';

/** The admin port answers client mistakes from the catalogue, never a 5xx or an error line. */
describe('gateway admin plane: client mistakes', () => {
  let upstream: TestUpstream;
  let gw: GatewayApp;
  const logs = new LogCapture();

  beforeAll(async () => {
    upstream = await TestUpstream.start('u1');
    gw = await startTestGateway(
      { UPSTREAMS: upstream.url, LOG_LEVEL: 'info' },
      { logDestination: logs },
    );
  });

  afterAll(async () => {
    await gw.shutdown();
    await upstream.kill();
  });

  const errorLines = () => logs.lines().filter((l) => l.level === 'error' || 'err' in l);

  it.each([
    ['/upstreams', 'GET, HEAD'],
    ['/metrics', 'GET, HEAD'],
    ['/health/ready', 'GET, HEAD'],
    ['/health/live', 'GET, HEAD'],
  ])('%s: a wrong method is 405 with Allow: %s', async (path, allow) => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      const res = await rawRequest(gw.adminUrl, { method, path });
      expect([res.status, res.headers.allow, JSON.parse(res.body)]).toEqual([
        405,
        allow,
        { error: 'METHOD_NOT_ALLOWED', message: 'Method not allowed.' },
      ]);
    }
    expect((await rawRequest(gw.adminUrl, { path })).status).toBe(200);
    expect(errorLines()).toEqual([]);
  });

  it('unknown paths are 404 NOT_FOUND, undecodable ones 400 MALFORMED_REQUEST', async () => {
    for (const [path, status, error, message] of [
      ['/nope', 404, 'NOT_FOUND', 'Not found.'],
      ['/metrics/x', 404, 'NOT_FOUND', 'Not found.'],
      ['/%', 400, 'MALFORMED_REQUEST', 'Malformed request.'],
      ['/upstreams/%zz', 400, 'MALFORMED_REQUEST', 'Malformed request.'],
    ] as const) {
      const res = await rawRequest(gw.adminUrl, { path });
      expect([path, res.status, JSON.parse(res.body)]).toEqual([path, status, { error, message }]);
    }
    expect(errorLines()).toEqual([]);
  });
});
