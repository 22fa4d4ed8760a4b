import { connect } from 'node:net';
import { NginxServer, RecordingUpstream, type RecordedRequest } from '@app/testing';
import type { GatewayApp } from '../src/gateway.app';
import { CORPUS, type DiffCase } from './differential/corpus';
import { startTestGateway } from './helpers';

/** What a proxy made of one raw case: what the client got, what reached the upstream. */
interface Verdict {
  /** Status codes of the answers the client received, in order (1xx included). */
  statuses: number[];
  /** `METHOD target body` of each request the upstream received. */
  upstream: string[];
}

/** Longest a case may take: every case's connection is closed by the proxy well before. */
const CASE_BOUND_MS = 5000;

/** Send `raw`, collect the answer until the proxy closes the connection (or the bound). */
function send(port: number, raw: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    const bound = setTimeout(() => socket.destroy(), CASE_BOUND_MS);
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('error', () => socket.destroy());
    socket.once('close', () => {
      clearTimeout(bound);
      resolve(text);
    });
    socket.write(Buffer.from(raw, 'latin1'));
  });
}

function statusesOf(text: string): number[] {
  return [...text.matchAll(/HTTP\/1\.[01] (\d{3})[ \r]/g)].map((m) => Number(m[1]));
}

const recorded = (r: RecordedRequest) => `${r.method} ${r.target} ${r.body}`;

async function attemptFailures(gateway: GatewayApp): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^gateway_upstream_attempt_failures_total\{[^}]*\} (\d+)$/gm))
    sum += Number(m[1]);
  return sum;
}

describe('differential: the gateway and nginx, same raw requests, same recording upstream', () => {
  let upstream: RecordingUpstream;
  let gateway: GatewayApp;
  let nginx: NginxServer;
  const verdicts = new Map<
    string,
    { gateway: Verdict; nginx: Verdict; failures: number; gatewayText: string }
  >();

  beforeAll(async () => {
    upstream = await RecordingUpstream.start();
    gateway = await startTestGateway({
      UPSTREAMS: `${upstream.url} max_fails=0`,
      MAX_BODY_BYTES: '65536',
      CLIENT_BODY_TIMEOUT_MS: '1000',
      CLIENT_HEADER_TIMEOUT_MS: '2000',
      RETRY_TRIES: '1',
    });
    nginx = await NginxServer.start({
      upstream: `127.0.0.1:${upstream.port}`,
      // The gateway's limits and refusals, in nginx's words.
      serverDirectives: `
        client_max_body_size 64k;
        client_body_timeout 1s;
        client_header_timeout 2s;
        location = /metrics { return 404; }
        location = /upstreams { return 404; }
        location = /events { return 404; }
        location ^~ /health/ { return 404; }
        location ^~ /admin/ { return 404; }`,
    });
    const gatewayPort = Number(new URL(gateway.url).port);
    for (const c of CORPUS) {
      const before = await attemptFailures(gateway);
      upstream.reset();
      const gatewayText = await send(gatewayPort, c.raw);
      const viaGateway = statusesOf(gatewayText);
      const gatewayUpstream = upstream.requests.map(recorded);
      const failures = (await attemptFailures(gateway)) - before;
      upstream.reset();
      const viaNginx = statusesOf(await send(nginx.port, c.raw));
      verdicts.set(c.name, {
        gateway: { statuses: viaGateway, upstream: gatewayUpstream },
        nginx: { statuses: viaNginx, upstream: upstream.requests.map(recorded) },
        failures,
        gatewayText,
      });
    }
  }, 600_000);

  afterAll(async () => {
    await gateway?.shutdown();
    await nginx?.stop();
    await upstream?.close();
  });

  it('has at least 100 cases, each named once', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(100);
    expect(new Set(CORPUS.map((c) => c.name)).size).toBe(CORPUS.length);
  });

  it.each(CORPUS.map((c): [string, DiffCase] => [c.name, c]))('%s', (_name, c) => {
    const v = verdicts.get(c.name)!;
    if (c.intended) expect(v.gateway).not.toEqual(v.nginx);
    else expect(v.gateway).toEqual(v.nginx);
    if (c.gateway?.statuses) expect(v.gateway.statuses).toEqual(c.gateway.statuses);
    if (c.gateway?.upstream) expect(v.gateway.upstream).toEqual(c.gateway.upstream);
    for (const part of c.gateway?.contains ?? []) expect(v.gatewayText).toContain(part);
    for (const part of c.gateway?.lacks ?? []) expect(v.gatewayText).not.toContain(part);
    // No client request counts against the upstream; only a malformed answer may.
    if (!c.gateway?.upstreamFault) expect(v.failures).toBe(0);
  });
});
