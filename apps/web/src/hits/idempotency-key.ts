import type { IncomingHttpHeaders } from 'node:http';
import { WebError } from '../errors/web-errors';

/**
 * The request field naming one logical hit across its attempts: the gateway sets it on every
 * attempt of one client request, retries included (apps/gateway/src/proxy/request-id.ts). Its
 * syntax is the IETF httpapi draft's (draft-ietf-httpapi-idempotency-key-header §2): a
 * Structured Fields string (RFC 9651 §3.3.3), e.g. `Idempotency-Key: "8e03978e-…"`.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** Response field set on an answer replayed from the first attempt's record. */
export const REPLAYED_HEADER = 'idempotent-replayed';

// sf-string: DQUOTE *( unescaped / "\" DQUOTE / "\" "\" ) DQUOTE; bounded so that a key
// costs at most a few hundred bytes of Redis memory.
const SF_STRING = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\]){1,200})"$/;

/**
 * The request's idempotency key, undefined when it has none (it is then counted as always).
 * A malformed one is the client's mistake: 400, nothing counted.
 */
export function idempotencyKeyOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[IDEMPOTENCY_KEY_HEADER];
  if (value === undefined) return undefined;
  const match = typeof value === 'string' ? SF_STRING.exec(value) : null;
  if (!match) throw new WebError('BAD_REQUEST');
  const key = match[1];
  return key.includes('\\') ? key.replace(/\\(["\\])/g, '$1') : key;
}
