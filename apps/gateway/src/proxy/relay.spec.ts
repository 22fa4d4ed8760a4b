import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlackHole } from '@app/testing';
import { Pool } from 'undici';
import { ClientGone } from './client-gone';
import { RelayError, relay } from './relay';

/** A gateway-like server relaying every request to `pool`, reporting each relay's outcome. */
async function relayingServer(
  pool: Pool,
  headersTimeout: number,
): Promise<{ server: Server; url: string; outcomes: Promise<unknown>[] }> {
  const outcomes: Promise<unknown>[] = [];
  const server = createServer((req, res) => {
    const outcome = relay(
      pool,
      {
        path: '/',
        method: 'GET',
        headers: {},
        body: null,
        headersTimeout,
        trailersAllowed: true,
        informationalAllowed: true,
      },
      res,
      new ClientGone(res),
      { responded: () => undefined, decorate: () => undefined },
    ).then(
      () => 'relayed',
      (err: unknown) => {
        res.writeHead(504).end();
        return err;
      },
    );
    outcomes.push(outcome);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, outcomes };
}

describe('relay: one deadline per attempt, connecting included', () => {
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });

  it('gives up on an upstream whose connect hangs at the deadline, not at the connect timeout', async () => {
    const hole = await BlackHole.start();
    closers.push(() => hole.stop());
    const pool = new Pool(`http://127.0.0.1:${hole.port}`, { connectTimeout: 10_000 });
    closers.push(() => pool.destroy());
    const { server, url, outcomes } = await relayingServer(pool, 300);
    closers.push(() => new Promise((resolve) => server.close(resolve)));

    const started = Date.now();
    const res = await fetch(url);
    const elapsed = Date.now() - started;
    const error = await outcomes[0];

    expect(res.status).toBe(504);
    expect(error).toBeInstanceOf(RelayError);
    expect([
      (error as RelayError).responded,
      (error as { cause: { code: string } }).cause.code,
    ]).toEqual([false, 'UND_ERR_HEADERS_TIMEOUT']);
    // Far below the 10 s connect timeout: the deadline (300 ms) ended the attempt.
    expect(elapsed).toBeLessThan(5000);
  });

  it('lets a response whose headers came in time stream its body past the deadline', async () => {
    const upstream = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first ');
      setTimeout(() => res.end('last'), 600);
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => upstream.close(resolve)));
    const pool = new Pool(`http://127.0.0.1:${(upstream.address() as AddressInfo).port}`);
    closers.push(() => pool.destroy());
    const { server, url, outcomes } = await relayingServer(pool, 200);
    closers.push(() => new Promise((resolve) => server.close(resolve)));

    const res = await fetch(url);
    expect([res.status, await res.text()]).toEqual([200, 'first last']);
    expect(await outcomes[0]).toBe('relayed');
  });
});
