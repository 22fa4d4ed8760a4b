import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An OTLP/HTTP receiver standing in for the collector: it answers 200 to every export and
 * keeps the raw protobuf bodies posted to `/v1/traces`, so a test can look for trace ids
 * (they travel as raw bytes) or names in them.
 */
export class OtlpSink {
  private constructor(
    private readonly server: Server,
    /** The base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT). */
    readonly url: string,
    readonly bodies: Buffer[],
  ) {}

  static async start(): Promise<OtlpSink> {
    const bodies: Buffer[] = [];
    const server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks));
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    return new OtlpSink(server, `http://127.0.0.1:${port}`, bodies);
  }

  /** Everything received so far, as one buffer. */
  all(): Buffer {
    return Buffer.concat(this.bodies);
  }

  /** How many times a trace id (hex) occurs in what was received: about one per span. */
  occurrences(traceIdHex: string): number {
    const all = this.all();
    const id = Buffer.from(traceIdHex, 'hex');
    let n = 0;
    for (let i = all.indexOf(id); i !== -1; i = all.indexOf(id, i + 1)) n++;
    return n;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
