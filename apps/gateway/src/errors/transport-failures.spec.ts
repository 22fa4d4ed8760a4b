import { errors } from 'undici';
import { GatewayError } from './gateway-errors';
import { TRANSPORT_FAILURES, fromTransportError, transportFailureOf } from './transport-failures';

const coded = (code: string) => Object.assign(new Error(code), { code });

describe('the table of transport failures', () => {
  // One example per row (and per code), with whose fault it is: the table the issue asked for.
  it.each<[string, unknown, string, 'client' | 'upstream' | 'gateway', boolean]>([
    [
      'client closed (undici abort)',
      new errors.RequestAbortedError(),
      'CLIENT_CLOSED_REQUEST',
      'client',
      false,
    ],
    [
      'client closed (AbortError)',
      Object.assign(new Error('x'), { name: 'AbortError' }),
      'CLIENT_CLOSED_REQUEST',
      'client',
      false,
    ],
    [
      'client body shorter than its Content-Length',
      new errors.RequestContentLengthMismatchError(),
      'INVALID_FRAMING',
      'client',
      false,
    ],
    ['connection refused', coded('ECONNREFUSED'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['reset', coded('ECONNRESET'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['broken pipe', coded('EPIPE'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['host unreachable', coded('EHOSTUNREACH'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['network unreachable', coded('ENETUNREACH'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['name not found', coded('ENOTFOUND'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['name lookup failed for now', coded('EAI_AGAIN'), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    [
      'other side closed',
      new errors.SocketError('other side closed'),
      'UPSTREAM_UNAVAILABLE',
      'upstream',
      true,
    ],
    ['pool closed', new errors.ClientClosedError(), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['pool destroyed', new errors.ClientDestroyedError(), 'UPSTREAM_UNAVAILABLE', 'upstream', true],
    ['connect timeout', new errors.ConnectTimeoutError(), 'UPSTREAM_TIMEOUT', 'upstream', true],
    ['headers timeout', new errors.HeadersTimeoutError(), 'UPSTREAM_TIMEOUT', 'upstream', true],
    ['body timeout', new errors.BodyTimeoutError(), 'UPSTREAM_TIMEOUT', 'upstream', true],
    ['tunnel timeout', coded('ETIMEDOUT'), 'UPSTREAM_TIMEOUT', 'upstream', true],
    [
      'answer not HTTP (coded)',
      coded('HPE_INVALID_STATUS'),
      'UPSTREAM_INVALID_RESPONSE',
      'upstream',
      false,
    ],
    [
      'answer not HTTP (undici, no code)',
      Object.assign(new Error('x'), { name: 'HTTPParserError' }),
      'UPSTREAM_INVALID_RESPONSE',
      'upstream',
      false,
    ],
    [
      'answer shorter than its length',
      new errors.ResponseContentLengthMismatchError(),
      'UPSTREAM_INVALID_RESPONSE',
      'upstream',
      false,
    ],
    [
      'answer too large',
      new errors.ResponseExceededMaxSizeError(),
      'UPSTREAM_INVALID_RESPONSE',
      'upstream',
      false,
    ],
    [
      'our request refused by undici',
      new errors.InvalidArgumentError('invalid path'),
      'INTERNAL_ERROR',
      'gateway',
      false,
    ],
    ['not supported by undici', new errors.NotSupportedError(), 'INTERNAL_ERROR', 'gateway', false],
    ['our header refused by Node', coded('ERR_INVALID_CHAR'), 'INTERNAL_ERROR', 'gateway', false],
    [
      'our trailer refused by Node',
      coded('ERR_HTTP_TRAILER_INVALID'),
      'INTERNAL_ERROR',
      'gateway',
      false,
    ],
    ['unknown', new Error('?'), 'INTERNAL_ERROR', 'gateway', false],
    [
      'body timeout of the client (the body reader)',
      new GatewayError('CLIENT_BODY_TIMEOUT'),
      'CLIENT_BODY_TIMEOUT',
      'client',
      false,
    ],
    [
      'body too large (the body reader)',
      new GatewayError('BODY_TOO_LARGE'),
      'BODY_TOO_LARGE',
      'client',
      false,
    ],
    [
      'upstream left a streamed body unread',
      new GatewayError('UPSTREAM_TIMEOUT'),
      'UPSTREAM_TIMEOUT',
      'upstream',
      true,
    ],
  ])('%s → %s (%s fault, retryable %s)', (_name, err, code, fault, retryable) => {
    const error = fromTransportError(err);
    expect([error.code, error.fault, error.upstreamFault, error.retryable]).toEqual([
      code,
      fault,
      fault === 'upstream',
      retryable,
    ]);
  });

  it('finds a code down the cause chain', () => {
    const wrapped = new Error('outer', { cause: coded('ECONNREFUSED') });
    expect(transportFailureOf(wrapped).name).toBe('upstream_unreachable');
  });

  it('names each code in one row only', () => {
    const codes = TRANSPORT_FAILURES.flatMap((row) => row.codes);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('blames no upstream for a client row', () => {
    for (const row of TRANSPORT_FAILURES.filter((r) => r.name.startsWith('client')))
      expect(new GatewayError(row.error).upstreamFault).toBe(false);
  });
});
