import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';

/**
 * The field that makes the gateway's retries safe for a non-idempotent GET (a hit): every
 * attempt of one client request carries the same key, so a node that finds it already counted
 * answers that count instead of counting again (issue #24; the web node's hit script). Syntax
 * from the IETF httpapi draft (draft-ietf-httpapi-idempotency-key-header): an sf-string.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/**
 * The key of one client request's attempts, made once per client request. It is the request's
 * `X-Request-Id` when the gateway made that id (one id in both logs), and a fresh UUID when the
 * client sent its own: a client's id is for correlation, and a client that sends the same id
 * twice made two requests, each counted. A client's own `Idempotency-Key` is replaced (the
 * pipeline drops it): the scope of the key is the gateway's attempts, never the client's
 * requests.
 */
export function idempotencyKeyOf(req: IncomingMessage, requestId: string): string {
  const id = req.headers['x-request-id'] === requestId ? randomUUID() : requestId;
  return `"${id}"`;
}
