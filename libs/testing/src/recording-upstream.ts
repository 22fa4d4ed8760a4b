import { type Server, type Socket, createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** One request as it reached the recording upstream, byte for byte in its parts. */
export interface RecordedRequest {
  method: string;
  target: string;
  version: string;
  /** Fields in order, names as sent. */
  headers: [string, string][];
  body: string;
  /** Which connection it came on (counted from 1). */
  connection: number;
}

/**
 * What the recording upstream answers a request for `/r/<scenario>…`; anything else gets 200 `ok`.
 * Each is a valid HTTP/1.1 answer a proxy must relay intact (RFC 9110 §15.2 1xx, RFC 9112 §7.1.2
 * trailers), or a malformed one it must not blame on the client.
 */
const SCENARIOS: Record<string, string> = {
  trailers:
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: x-checksum\r\nX-Served-By: rec\r\n\r\n2\r\nok\r\n0\r\nx-checksum: 1\r\n\r\n',
  'early-hints':
    'HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Served-By: rec\r\n\r\nok',
  continue:
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Served-By: rec\r\n\r\nok',
  processing:
    'HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Served-By: rec\r\n\r\nok',
  'no-content': 'HTTP/1.1 204 No Content\r\nX-Served-By: rec\r\n\r\n',
  'not-modified': 'HTTP/1.1 304 Not Modified\r\nETag: "1"\r\nX-Served-By: rec\r\n\r\n',
  chunked:
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-Served-By: rec\r\n\r\n2\r\nok\r\n0\r\n\r\n',
  'bad-status': 'HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\nok',
  'conflicting-length': 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok',
  'hop-by-hop':
    'HTTP/1.1 200 OK\r\nConnection: x-secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nContent-Length: 2\r\nX-Served-By: rec\r\n\r\nok',
  upgrade: 'HTTP/1.1 426 Upgrade Required\r\nContent-Length: 2\r\nX-Served-By: rec\r\n\r\nno',
};

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Served-By: rec\r\n\r\nok';

/**
 * A raw-TCP upstream that records every request it receives exactly as it came (method, target,
 * fields in order, body) and answers canned bytes: the far side of a differential test, where
 * what matters is what a proxy forwarded, not what a framework made of it. It parses only as
 * much as it must to find where a request ends (Content-Length or chunked); anything else closes
 * the connection (recorded, with method `<unparsable>`).
 */
export class RecordingUpstream {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  port = 0;

  static async start(): Promise<RecordingUpstream> {
    const upstream = new RecordingUpstream();
    await upstream.listen();
    return upstream;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Forget what was recorded (between cases). */
  reset(): void {
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise((resolve) => server.close(resolve));
  }

  private async listen(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  private serve(socket: Socket): void {
    const connection = ++this.connections;
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (;;) {
        const parsed = parseRequest(buffered);
        if (parsed === 'incomplete') return;
        if (parsed === 'invalid') {
          this.requests.push({
            method: '<unparsable>',
            target: '',
            version: '',
            headers: [],
            body: buffered.toString('latin1'),
            connection,
          });
          socket.destroy();
          return;
        }
        buffered = buffered.subarray(parsed.length);
        this.requests.push({ ...parsed.request, connection });
        const scenario = /^\/r\/([a-z-]+)/.exec(parsed.request.target)?.[1];
        socket.write((scenario && SCENARIOS[scenario]) ?? OK);
      }
    });
  }
}

type Parsed =
  'incomplete' | 'invalid' | { request: Omit<RecordedRequest, 'connection'>; length: number };

function parseRequest(bytes: Buffer): Parsed {
  const end = bytes.indexOf('\r\n\r\n');
  if (end === -1) return bytes.length > 65536 ? 'invalid' : 'incomplete';
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const line = /^([A-Z]+) (\S+) (HTTP\/\d\.\d)$/.exec(lines[0]);
  if (!line) return 'invalid';
  const headers: [string, string][] = [];
  for (const field of lines.slice(1)) {
    const colon = field.indexOf(':');
    if (colon <= 0) return 'invalid';
    headers.push([field.slice(0, colon), field.slice(colon + 1).trim()]);
  }
  const value = (name: string) =>
    headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v);
  let offset = end + 4;
  let body = '';
  const te = value('transfer-encoding');
  const cl = value('content-length');
  if (te.length > 0) {
    if (!/chunked$/i.test(te.join(','))) return 'invalid';
    for (;;) {
      const lineEnd = bytes.indexOf('\r\n', offset);
      if (lineEnd === -1) return 'incomplete';
      const size = parseInt(bytes.subarray(offset, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) return 'invalid';
      offset = lineEnd + 2;
      if (size === 0) {
        // Trailer section, up to an empty line.
        const trailerEnd = bytes.indexOf('\r\n\r\n', offset - 2);
        if (trailerEnd === -1) return 'incomplete';
        offset = trailerEnd + 4;
        break;
      }
      if (bytes.length < offset + size + 2) return 'incomplete';
      body += bytes.subarray(offset, offset + size).toString('latin1');
      offset += size + 2;
    }
  } else if (cl.length > 0) {
    if (new Set(cl).size !== 1 || !/^\d+$/.test(cl[0])) return 'invalid';
    const size = Number(cl[0]);
    if (bytes.length < offset + size) return 'incomplete';
    body = bytes.subarray(offset, offset + size).toString('latin1');
    offset += size;
  }
  return {
    request: { method: line[1], target: line[2], version: line[3], headers, body },
    length: offset,
  };
}
