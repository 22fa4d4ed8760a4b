import { encodeHitEvent, hitEventTemplate, MAX_HIT_EVENT_BYTES, parseHitEvent } from './hit-event';

const valid = {
  v: 1 as const,
  node: 'web1',
  count: 42,
  ts: '2026-11-29T12:00:00.000Z',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
};

describe('parseHitEvent', () => {
  it('accepts a valid v1 event from a string or a Buffer', () => {
    expect(parseHitEvent(JSON.stringify(valid))).toEqual({ ok: true, event: valid });
    expect(parseHitEvent(Buffer.from(JSON.stringify(valid)))).toEqual({ ok: true, event: valid });
  });

  it('accepts a null traceId (tracing off)', () => {
    const event = { ...valid, traceId: null };
    expect(parseHitEvent(JSON.stringify(event))).toEqual({ ok: true, event });
  });

  it.each([
    ['not JSON', '{"v":1,', 'not_json'],
    ['a JSON array', '[1,2]', 'invalid'],
    ['JSON null', 'null', 'invalid'],
    ['a future version', JSON.stringify({ ...valid, v: 2 }), 'invalid'],
    ['a count of 0', JSON.stringify({ ...valid, count: 0 }), 'invalid'],
    ['a fractional count', JSON.stringify({ ...valid, count: 1.5 }), 'invalid'],
    ['a count given as a string', JSON.stringify({ ...valid, count: '42' }), 'invalid'],
    ['an empty node', JSON.stringify({ ...valid, node: '' }), 'invalid'],
    ['a bad timestamp', JSON.stringify({ ...valid, ts: 'yesterday' }), 'invalid'],
    [
      'an upper-case trace id',
      JSON.stringify({ ...valid, traceId: valid.traceId.toUpperCase() }),
      'invalid',
    ],
    ['a missing field', JSON.stringify({ v: 1, node: 'web1', count: 1, ts: valid.ts }), 'invalid'],
    ['an unknown field', JSON.stringify({ ...valid, extra: true }), 'invalid'],
  ])('rejects %s', (_name, raw, reason) => {
    const result = parseHitEvent(raw);
    expect(result.ok).toBe(false);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it('rejects an oversized message without parsing it', () => {
    const raw = JSON.stringify({ ...valid, node: 'x'.repeat(MAX_HIT_EVENT_BYTES) });
    expect(parseHitEvent(raw)).toEqual({
      ok: false,
      reason: 'too_large',
      detail: `${Buffer.byteLength(raw)} bytes > ${MAX_HIT_EVENT_BYTES}`,
    });
  });
});

describe('hitEventTemplate', () => {
  it('renders exactly the JSON the parser accepts, field order fixed', () => {
    const template = hitEventTemplate('web "3"');
    const raw = template.render(7, valid.ts, null);
    expect(raw).toBe(
      '{"v":1,"node":"web \\"3\\"","count":7,"ts":"2026-11-29T12:00:00.000Z","traceId":null}',
    );
    expect(template.prefix + '7' + template.suffix(valid.ts, null)).toBe(raw);
    expect(parseHitEvent(raw)).toEqual({
      ok: true,
      event: { v: 1, node: 'web "3"', count: 7, ts: valid.ts, traceId: null },
    });
  });

  it('round-trips through encodeHitEvent', () => {
    expect(parseHitEvent(encodeHitEvent(valid))).toEqual({ ok: true, event: valid });
  });
});
