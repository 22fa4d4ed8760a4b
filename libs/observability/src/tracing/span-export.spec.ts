import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SpanRecord } from './otlp-proto';
import { BatchExporter, otlpHttpTransport } from './span-export';

const span = (name: string): SpanRecord => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: undefined,
  traceState: undefined,
  name,
  kind: 2,
  start: 1,
  end: 2,
  attributes: {},
  events: [],
  statusCode: 0,
  statusMessage: undefined,
  flags: 1,
  scope: { name: 's', version: undefined },
});

const settings = {
  scheduleDelayMs: 60_000,
  maxQueueSize: 10,
  maxExportBatchSize: 4,
  exportTimeoutMs: 1000,
};

describe('BatchExporter', () => {
  it('sends a full batch at once and the rest on flush; drops past the queue bound', async () => {
    const batches: number[] = [];
    const exporter = new BatchExporter(
      {},
      settings,
      (_body, count) => {
        batches.push(count);
        return Promise.resolve();
      },
      () => undefined,
    );
    for (let i = 0; i < 3; i++) exporter.add(span(`s${i}`));
    expect(batches).toEqual([]);
    exporter.add(span('s3'));
    expect(batches).toEqual([4]);
    for (let i = 0; i < 2; i++) exporter.add(span(`t${i}`));
    await exporter.shutdown();
    expect(batches).toEqual([4, 2]);
    expect(exporter.exported).toBe(6);
    expect(exporter.dropped).toBe(0);
  });

  it('counts the spans of a failed batch as dropped and reports the failure', async () => {
    const failures: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const exporter = new BatchExporter(
      {},
      { ...settings, maxQueueSize: 4, maxExportBatchSize: 2 },
      async () => {
        await blocked;
        throw new Error('collector down');
      },
      (err) => failures.push(err.message),
    );
    // Two batches go out (the concurrency bound) and hang; the queue then holds 4 more.
    for (let i = 0; i < 9; i++) exporter.add(span(`s${i}`));
    expect(exporter.dropped).toBe(1);
    release();
    await exporter.shutdown();
    expect(exporter.dropped).toBe(9);
    expect(exporter.exported).toBe(0);
    expect(failures).toEqual([
      'collector down',
      'collector down',
      'collector down',
      'collector down',
    ]);
  });
});

describe('otlpHttpTransport', () => {
  it('POSTs protobuf to the endpoint with the configured headers; non-2xx rejects', async () => {
    const seen: { url?: string; type?: string; auth?: string; bytes: number }[] = [];
    let status = 200;
    const server = createServer((req: IncomingMessage, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        seen.push({
          url: req.url,
          type: req.headers['content-type'],
          auth: req.headers.authorization,
          bytes,
        });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
      const send = otlpHttpTransport(url, { authorization: 'Bearer t' }, 1000);
      await send(Buffer.from([1, 2, 3]), 1);
      status = 503;
      await expect(send(Buffer.from([4]), 1)).rejects.toThrow('OTLP endpoint answered 503');
      expect(seen).toEqual([
        { url: '/v1/traces', type: 'application/x-protobuf', auth: 'Bearer t', bytes: 3 },
        { url: '/v1/traces', type: 'application/x-protobuf', auth: 'Bearer t', bytes: 1 },
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('rejects when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    await new Promise((r) => server.close(r));
    const send = otlpHttpTransport(`http://127.0.0.1:${port}/v1/traces`, {}, 1000);
    await expect(send(Buffer.from([1]), 1)).rejects.toThrow(/ECONNREFUSED/);
  });
});
