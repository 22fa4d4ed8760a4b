import { GatewayError } from '../errors/gateway-errors';
import { type RetryInput, retryDecision } from './retry-rule';

const unavailable = new GatewayError('UPSTREAM_UNAVAILABLE');
const timeout = new GatewayError('UPSTREAM_TIMEOUT');
const unknownFault = new GatewayError('UPSTREAM_INVALID_RESPONSE');
const tooLarge = new GatewayError('BODY_TOO_LARGE');

const base: RetryInput = {
  method: 'GET',
  streamedBody: false,
  error: unavailable,
  attempts: 1,
  maxAttempts: 3,
  timeLeftMs: 5000,
  clientGone: false,
  responded: false,
};

describe('retryDecision', () => {
  it.each<[string, Partial<RetryInput>, boolean, string]>([
    ['GET, connect failure, first try', {}, true, 'retryable_failure'],
    ['GET, timeout, second try', { error: timeout, attempts: 2 }, true, 'retryable_failure'],
    ['HEAD', { method: 'HEAD' }, true, 'retryable_failure'],
    ['PUT without body', { method: 'PUT' }, true, 'retryable_failure'],
    ['DELETE', { method: 'DELETE' }, true, 'retryable_failure'],
    ['OPTIONS', { method: 'OPTIONS' }, true, 'retryable_failure'],
    ['POST', { method: 'POST' }, false, 'not_idempotent'],
    ['PATCH', { method: 'PATCH' }, false, 'not_idempotent'],
    ['PUT with a buffered body', { method: 'PUT' }, true, 'retryable_failure'],
    ['PUT with a streamed body', { method: 'PUT', streamedBody: true }, false, 'streamed_body'],
    ['GET with a streamed body', { streamedBody: true }, false, 'streamed_body'],
    ['unsolicited 1xx or bad answer', { error: unknownFault }, false, 'not_retryable'],
    [
      'client body timeout',
      { error: new GatewayError('CLIENT_BODY_TIMEOUT') },
      false,
      'not_retryable',
    ],
    ['internal error', { error: new GatewayError('INTERNAL_ERROR') }, false, 'not_retryable'],
    ['body too large', { error: tooLarge }, false, 'not_retryable'],
    ['last try used', { attempts: 3 }, false, 'tries_exhausted'],
    ['RETRY_TRIES=1', { maxAttempts: 1 }, false, 'tries_exhausted'],
    ['no time left', { timeLeftMs: 0 }, false, 'time_exhausted'],
    ['client gone', { clientGone: true }, false, 'client_gone'],
    ['bytes already sent', { responded: true }, false, 'responded'],
    ['responded wins over everything', { responded: true, method: 'POST' }, false, 'responded'],
  ])('%s → retry %s (%s)', (_name, change, retry, reason) => {
    expect(retryDecision({ ...base, ...change })).toEqual({ retry, reason });
  });
});
