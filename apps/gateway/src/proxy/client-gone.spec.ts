import { type ServerResponse, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClientGone } from './client-gone';

describe('ClientGone', () => {
  /** Serve one request with `respond`, from a client that may leave after the headers. */
  async function exchange(
    respond: (res: ServerResponse, client: ClientGone) => Promise<void>,
    clientLeaves: boolean,
  ): Promise<ClientGone> {
    let client: ClientGone | undefined;
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const server = createServer((_req, res) => {
      client = new ClientGone(res);
      res.once('close', done);
      void respond(res, client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const req = request({ port, host: '127.0.0.1' }, (res) => {
      if (clientLeaves) req.destroy();
      else res.resume();
    });
    req.on('error', () => undefined);
    req.end();
    await finished;
    await new Promise((resolve) => server.close(resolve));
    return client!;
  }

  it('aborts the running exchange when the client leaves mid-response', async () => {
    const aborts: string[] = [];
    const client = await exchange(async (res, c) => {
      c.watch(() => aborts.push('aborted'));
      res.writeHead(200, { 'content-length': '10' });
      res.write('part');
      await sleep(50);
    }, true);
    expect(client.gone).toBe(true);
    expect(aborts).toEqual(['aborted']);
  });

  it('aborts at once an exchange that starts after the client left', async () => {
    const aborts: string[] = [];
    const client = await exchange(async (res) => {
      res.writeHead(200, { 'content-length': '10' });
      res.write('part');
      await sleep(50);
    }, true);
    client.watch(() => aborts.push('aborted'));
    expect(aborts).toEqual(['aborted']);
  });

  it('leaves a completed exchange alone, and one that was unwatched', async () => {
    const aborts: string[] = [];
    const completed = await exchange(async (res, c) => {
      c.watch(() => aborts.push('completed'));
      res.end('whole');
      await sleep(0);
    }, false);
    const unwatched = await exchange(async (res, c) => {
      c.watch(() => aborts.push('unwatched'));
      c.unwatch();
      res.writeHead(200, { 'content-length': '10' });
      res.write('part');
      await sleep(50);
    }, true);
    expect(completed.gone).toBe(false);
    expect(unwatched.gone).toBe(true);
    expect(aborts).toEqual([]);
  });
});
