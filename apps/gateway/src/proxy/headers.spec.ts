import type { IncomingMessage } from 'node:http';
import { clientHeaders, forwardRequestHeaders, requestIdOf } from './headers';

function request(headers: Record<string, string>, remoteAddress = '10.1.2.3'): IncomingMessage {
  return { headers, socket: { remoteAddress } } as unknown as IncomingMessage;
}

describe('forwardRequestHeaders', () => {
  it('drops hop-by-hop fields, including those the Connection header names', () => {
    const req = request({
      host: 'lab.example:8080',
      connection: 'keep-alive, X-Secret',
      'keep-alive': 'timeout=5',
      'x-secret': 'hop only',
      te: 'trailers',
      'transfer-encoding': 'chunked',
      upgrade: 'h2c',
      'proxy-connection': 'keep-alive',
      expect: '100-continue',
      traceparent: '00-abc',
      'user-agent': 'curl/8',
      accept: '*/*',
    });
    expect(forwardRequestHeaders(req, 'rid-1', new Set(['traceparent']))).toEqual({
      host: 'lab.example:8080',
      'user-agent': 'curl/8',
      accept: '*/*',
      'x-forwarded-for': '10.1.2.3',
      'x-forwarded-proto': 'http',
      'x-forwarded-host': 'lab.example:8080',
      'x-request-id': 'rid-1',
    });
  });

  it('appends the client to an existing X-Forwarded-For', () => {
    const req = request({ host: 'h', 'x-forwarded-for': '203.0.113.9, 198.51.100.2' });
    expect(forwardRequestHeaders(req, 'r', new Set())['x-forwarded-for']).toBe(
      '203.0.113.9, 198.51.100.2, 10.1.2.3',
    );
  });
});

const raw = (...pairs: string[]) => pairs.map((p) => Buffer.from(p, 'latin1'));

describe('clientHeaders', () => {
  it('keeps end-to-end fields (repeated ones too) and drops hop-by-hop ones', () => {
    expect(
      clientHeaders(
        raw(
          'Content-Type',
          'text/plain',
          'Set-Cookie',
          'a=1',
          'Set-Cookie',
          'b=2',
          'Connection',
          'close, X-Internal',
          'X-Internal',
          '1',
          'Keep-Alive',
          'timeout=5',
          'Transfer-Encoding',
          'chunked',
          'X-Served-By',
          'web2',
        ),
      ),
    ).toEqual({
      headers: [
        'Content-Type',
        'text/plain',
        'Set-Cookie',
        'a=1',
        'Set-Cookie',
        'b=2',
        'X-Served-By',
        'web2',
      ],
      servedBy: 'web2',
      sized: false,
      trailers: false,
    });
  });

  it('drops a field named by Connection even when it came first', () => {
    expect(
      clientHeaders(raw('X-Trace-Hop', 'a', 'content-length', '0', 'connection', 'x-trace-hop')),
    ).toEqual({
      headers: ['content-length', '0'],
      servedBy: undefined,
      sized: true,
      trailers: false,
    });
  });

  it('says whether the response is sized', () => {
    expect(clientHeaders(raw('content-length', '5'))).toEqual({
      headers: ['content-length', '5'],
      servedBy: undefined,
      sized: true,
      trailers: false,
    });
  });
});

describe('clientHeaders and trailers', () => {
  it('keeps an announced Trailer for a chunked answer the client may get trailers in', () => {
    expect(clientHeaders(raw('Trailer', 'x-checksum', 'X-A', '1'))).toEqual({
      headers: ['Trailer', 'x-checksum', 'X-A', '1'],
      servedBy: undefined,
      sized: false,
      trailers: true,
    });
  });

  it('drops it for a HEAD or HTTP/1.0 client, and for a sized answer (no chunked framing)', () => {
    const dropped = {
      headers: ['X-A', '1'],
      servedBy: undefined,
      sized: false,
      trailers: false,
    };
    expect(clientHeaders(raw('Trailer', 'x-checksum', 'X-A', '1'), false)).toEqual(dropped);
    expect(clientHeaders(raw('Trailer', 'x', 'Content-Length', '1'))).toEqual({
      headers: ['Content-Length', '1'],
      servedBy: undefined,
      sized: true,
      trailers: false,
    });
  });
});

describe('requestIdOf', () => {
  it('keeps a sane client id and replaces a missing or unsafe one', () => {
    expect(requestIdOf(request({ 'x-request-id': 'abc-123' }))).toBe('abc-123');
    expect(requestIdOf(request({}))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(request({ 'x-request-id': 'has space' }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdOf(request({ 'x-request-id': 'x'.repeat(201) }))).toMatch(/^[0-9a-f-]{36}$/);
  });
});
