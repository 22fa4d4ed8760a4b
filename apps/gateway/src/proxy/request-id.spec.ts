import type { IncomingMessage } from 'node:http';
import { idempotencyKeyOf } from './request-id';
import { requestIdOf } from './headers';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const UUID = /^"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"$/;

describe('idempotencyKeyOf', () => {
  it("is the request's X-Request-Id, quoted, when the gateway made that id", () => {
    const req = request({});
    const id = requestIdOf(req);
    expect(idempotencyKeyOf(req, id)).toBe(`"${id}"`);
    // An id the gateway refused (not sane) was replaced by its own: that one is the key.
    const bad = request({ 'x-request-id': 'has space' });
    const replaced = requestIdOf(bad);
    expect(idempotencyKeyOf(bad, replaced)).toBe(`"${replaced}"`);
  });

  it('is a fresh UUID per request when the client sent its own id: a repeated id is two requests', () => {
    const a = request({ 'x-request-id': 'client-7' });
    const b = request({ 'x-request-id': 'client-7' });
    const keyA = idempotencyKeyOf(a, requestIdOf(a));
    const keyB = idempotencyKeyOf(b, requestIdOf(b));
    expect(keyA).toMatch(UUID);
    expect(keyB).toMatch(UUID);
    expect(keyA).not.toBe(keyB);
    expect(keyA).not.toContain('client-7');
  });
});
